import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { SOURCE_HEADER } from '../http/source-header.js';
import { setVerifiedSource } from './source-identity.js';

function request(rawHeaders: string[]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2)
    headers[(rawHeaders[i] as string).toLowerCase()] = rawHeaders[i + 1] as string;
  return { headers, rawHeaders: [...rawHeaders] } as unknown as IncomingMessage;
}

const frontend = { spiffeId: 'spiffe://cluster.local/ns/default/sa/frontend', service: 'frontend' };

describe('setVerifiedSource', () => {
  it('keeps a source header that names the verified peer, once', () => {
    const req = request(['host', 'backend', SOURCE_HEADER, 'frontend']);
    setVerifiedSource(req, frontend);
    assert.equal(req.headers[SOURCE_HEADER], 'frontend');
    assert.deepEqual(req.rawHeaders, ['host', 'backend', SOURCE_HEADER, 'frontend']);
  });

  it('replaces a forged source header, in any case, with the verified peer', () => {
    const req = request(['X-Pilotfish-Source', 'payments', 'host', 'backend']);
    setVerifiedSource(req, frontend);
    assert.equal(req.headers[SOURCE_HEADER], 'frontend');
    assert.deepEqual(req.rawHeaders, ['host', 'backend', SOURCE_HEADER, 'frontend']);
  });

  it('adds the verified peer to a request that named none', () => {
    const req = request(['host', 'backend']);
    setVerifiedSource(req, frontend);
    assert.deepEqual(req.rawHeaders, ['host', 'backend', SOURCE_HEADER, 'frontend']);
  });

  it('removes the source header a plaintext caller sent', () => {
    const req = request(['host', 'backend', SOURCE_HEADER, 'frontend']);
    setVerifiedSource(req, undefined);
    assert.equal(req.headers[SOURCE_HEADER], undefined);
    assert.deepEqual(req.rawHeaders, ['host', 'backend']);
  });
});
