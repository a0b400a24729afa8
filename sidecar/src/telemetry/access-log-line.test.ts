import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { accessLogFormat, type AccessLogField } from './access-log-line.js';
import { attachExchange, type FinishedRequest } from './exchange.js';

const request: FinishedRequest = {
  res: {} as ServerResponse,
  exchange: attachExchange({} as ServerResponse, 0),
  durationMs: 1.5,
};

/** The line the access log wrote before it had a line builder: one object, stringified. */
function stringifiedLine(fields: readonly AccessLogField[]): string {
  const line: Record<string, string | number | null> = {};
  for (const [key, value] of fields) line[key] = typeof value === 'string' ? value : value(request);
  return `${JSON.stringify(line)}\n`;
}

describe('access-log line builder', () => {
  const cases: Record<string, AccessLogField[]> = {
    'operators and literal text': [
      ['start', () => '2026-12-07T03:00:00.000Z'],
      ['kind', 'proxy'],
      ['code', () => 200],
      ['host', () => null],
      ['duration', ({ durationMs }) => durationMs],
    ],
    'literal fields only': [
      ['a', 'x'],
      ['b', 'y'],
    ],
    'no fields': [],
    'text that JSON escapes, in keys and values': [
      ['quote"key', () => 'say "hi"\\ \n\t\u0001 \ud800 é'],
      ['tab\tkey', 'line\nbreak'],
    ],
    'numbers JSON has no form for': [
      ['nan', () => Number.NaN],
      ['inf', () => Number.POSITIVE_INFINITY],
      ['negative zero', () => -0],
      ['big', () => 1e21],
    ],
    'a key given twice keeps its first place and last value': [
      ['a', () => 1],
      ['b', 'b'],
      ['a', 'last'],
    ],
    'keys that are array indices come first, ascending': [
      ['path', () => '/x'],
      ['10', () => 10],
      ['2', 'two'],
      ['02', 'not an index'],
      ['4294967295', 'not an index either'],
    ],
  };
  for (const [name, fields] of Object.entries(cases)) {
    it(`writes the bytes JSON.stringify writes: ${name}`, () => {
      const line = accessLogFormat(fields).line(request);
      assert.equal(line, stringifiedLine(fields));
      assert.ok(line.endsWith('}\n'));
    });
  }

  it('reads each value afresh per request', () => {
    let count = 0;
    const format = accessLogFormat([['count', () => ++count]]);
    assert.equal(format.line(request), '{"count":1}\n');
    assert.equal(format.line(request), '{"count":2}\n');
  });
});
