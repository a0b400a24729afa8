import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editRequestHeaders, editResponseHeaders, type AppendAction } from './header-edits.js';

function edits(action: AppendAction, remove: string[] = []) {
  return { remove, add: [{ name: 'x-tag', value: 'new', action }] };
}

describe('header edits', () => {
  const cases: Array<[action: AppendAction, before: string[], after: string[]]> = [
    ['APPEND_IF_EXISTS_OR_ADD', ['x-tag', 'old'], ['x-tag', 'old', 'x-tag', 'new']],
    ['APPEND_IF_EXISTS_OR_ADD', [], ['x-tag', 'new']],
    ['ADD_IF_ABSENT', ['X-Tag', 'old'], ['X-Tag', 'old']],
    ['ADD_IF_ABSENT', [], ['x-tag', 'new']],
    ['OVERWRITE_IF_EXISTS_OR_ADD', ['X-Tag', 'old'], ['x-tag', 'new']],
    ['OVERWRITE_IF_EXISTS', [], []],
    ['OVERWRITE_IF_EXISTS', ['x-tag', 'old'], ['x-tag', 'new']],
  ];
  for (const [action, before, after] of cases) {
    it(`${action} turns request headers [${before.join(' ')}] into [${after.join(' ')}]`, () => {
      const headers = ['host', 'a', ...before];
      editRequestHeaders(edits(action), headers);
      assert.deepEqual(headers, ['host', 'a', ...after]);
    });
  }

  it('removes request headers whatever their case, before adding', () => {
    const headers = ['host', 'a', 'X-Debug', '1', 'x-keep', '2'];
    editRequestHeaders({ remove: ['x-debug'], add: [] }, headers);
    assert.deepEqual(headers, ['host', 'a', 'x-keep', '2']);
  });

  it('edits response headers the same way', () => {
    const headers: Record<string, string | string[] | undefined> = { server: 'app', 'x-tag': 'old' };
    editResponseHeaders(
      { remove: ['server'], add: [{ name: 'x-tag', value: 'new', action: 'APPEND_IF_EXISTS_OR_ADD' }] },
      headers,
    );
    assert.deepEqual(headers, { 'x-tag': ['old', 'new'] });
    editResponseHeaders(edits('OVERWRITE_IF_EXISTS_OR_ADD'), headers);
    assert.deepEqual(headers, { 'x-tag': 'new' });
  });
});
