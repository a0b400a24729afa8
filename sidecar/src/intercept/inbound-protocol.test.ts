import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectInboundProtocol } from './inbound-protocol.js';

describe('inbound protocol detection', () => {
  const cases: Array<[string, string, ReturnType<typeof detectInboundProtocol>]> = [
    ['an HTTP/1.1 request line', 'GET / HTTP/1.1\r\n', 'http'],
    ['a method with a dash', 'VERSION-CONTROL /x HTTP/1.1\r\n', 'http'],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'http'],
    ['a method still arriving', 'POS', undefined],
    ['a lowercase word', 'hello\n', 'tcp'],
    ['binary', '\x16\x03\x01\x02\x00', 'tcp'],
    ['a leading space', ' GET /', 'tcp'],
    ['a token too long for a method', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'tcp'],
  ];
  for (const [name, bytes, expected] of cases)
    it(`tells ${name}: ${expected ?? 'not yet'}`, () =>
      assert.equal(detectInboundProtocol(Buffer.from(bytes, 'latin1')), expected));
});
