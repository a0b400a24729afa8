import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { hashKeyOf, type HashPolicy } from './hash-policy.js';

function request(headers: Record<string, string>, remoteAddress = '10.0.0.7'): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe('hash policy', () => {
  const header: HashPolicy = { kind: 'header', name: 'x-user', terminal: false };
  const cookie: HashPolicy = { kind: 'cookie', name: 'session', terminal: false };
  const sourceIp: HashPolicy = { kind: 'source-ip', terminal: false };

  it('keys on a header, a cookie or the source IP', () => {
    assert.equal(hashKeyOf([header], request({ 'x-user': 'ada' })), 'ada');
    assert.equal(hashKeyOf([cookie], request({ cookie: 'theme=dark; session=s-42' })), 's-42');
    assert.equal(hashKeyOf([sourceIp], request({})), '10.0.0.7');
  });

  it('has no key when the value is missing, so the balancer picks at random', () => {
    assert.equal(hashKeyOf([header, cookie], request({ cookie: 'theme=dark' })), undefined);
  });

  it('combines the values found, and stops at a terminal policy that found one', () => {
    assert.equal(hashKeyOf([header, sourceIp], request({ 'x-user': 'ada' })), 'ada\u000010.0.0.7');
    assert.equal(hashKeyOf([{ ...header, terminal: true }, sourceIp], request({ 'x-user': 'ada' })), 'ada');
    assert.equal(hashKeyOf([{ ...header, terminal: true }, sourceIp], request({})), '10.0.0.7');
  });
});
