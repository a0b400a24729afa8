import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectProtocol } from './protocol-detection.js';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

describe('protocol detection on the first bytes', () => {
  const cases: Array<[name: string, bytes: string, expected: string | undefined]> = [
    ['the h2 preface', PREFACE, 'h2'],
    ['the preface with the first frames after it', `${PREFACE}\x00\x00\x12\x04`, 'h2'],
    ['an HTTP/1.1 request line', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'http1'],
    ['a POST, which starts like the preface', 'POST /x HTTP/1.1\r\n', 'http1'],
    ['a PUT', 'PUT /x HTTP/1.1\r\n', 'http1'],
    ['one byte that could still be either', 'P', undefined],
    ['half the preface: wait for the rest', 'PRI * HTTP/2', undefined],
    ['a preface that goes wrong late', 'PRI * HTTP/2.0\r\n\r\nXX', 'http1'],
    ['a TLS ClientHello record', '\x16\x03\x01\x02\x00\x01', 'tls'],
  ];
  for (const [name, bytes, expected] of cases)
    it(`${name} → ${expected ?? 'undecided'}`, () =>
      assert.equal(detectProtocol(Buffer.from(bytes, 'latin1')), expected));
});
