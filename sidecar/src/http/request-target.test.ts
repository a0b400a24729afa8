import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestTarget, type RequestTarget } from './request-target.js';

describe('request target', () => {
  const cases: Array<[url: string, host: string | undefined, stripPort: boolean, expected: RequestTarget | undefined]> =
    [
      ['/hello?x=1', 'backend:8080', true, { authority: 'backend:8080', host: 'backend', path: '/hello?x=1' }],
      ['/', 'Backend.Default', true, { authority: 'Backend.Default', host: 'backend.default', path: '/' }],
      ['/', 'backend:8080', false, { authority: 'backend:8080', host: 'backend:8080', path: '/' }],
      ['/', '[::1]:8080', true, { authority: '[::1]:8080', host: '[::1]', path: '/' }],
      ['http://backend:8080/x?y=1', 'ignored', true, { authority: 'backend:8080', host: 'backend', path: '/x?y=1' }],
      ['HTTP://Backend.Default', undefined, true, { authority: 'Backend.Default', host: 'backend.default', path: '/' }],
      ['http://backend?q=1', undefined, true, { authority: 'backend', host: 'backend', path: '/?q=1' }],
      ['http://[::1]:80/p', undefined, true, { authority: '[::1]:80', host: '[::1]', path: '/p' }],
      ['/no-host', undefined, true, undefined],
      ['*', 'backend', true, undefined],
      ['https://backend/', undefined, true, undefined],
      ['http:///nohost', undefined, true, undefined],
    ];
  for (const [url, host, stripPort, expected] of cases) {
    it(`reads ${url} with Host ${host ?? '(none)'}${stripPort ? '' : ', port kept'}`, () => {
      assert.deepEqual(requestTarget(url, host, stripPort), expected);
    });
  }
});
