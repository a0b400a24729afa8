import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { authenticate, AuthenticationError } from './authenticator.js';
import { BootstrapTokenAuthenticator, createBootstrapToken } from './bootstrap-token.js';
import { loadTokenSigningKey, tokenSigningKeyFile } from './token-signing-key.js';

const HOUR_MS = 3_600_000;
const NOW = Date.parse('2026-12-06T12:00:00Z');
const backend = { service: 'backend', namespace: 'shop', serviceAccount: 'backend-sa' };

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('bootstrap tokens', () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'pilotfish-token-')), mkdtempSync(join(tmpdir(), 'pilotfish-token-'))];
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const key = loadTokenSigningKey(join(dirs[0] as string, 'state'));
  const otherKey = loadTokenSigningKey(join(dirs[1] as string, 'state'));
  const at = (ms: number) => new BootstrapTokenAuthenticator(key, () => ms);

  it('keeps its signing key 0600 in the state dir and reuses it', () => {
    const file = tokenSigningKeyFile(join(dirs[0] as string, 'state'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(loadTokenSigningKey(join(dirs[0] as string, 'state')).keyId, key.keyId);
  });

  it('proves the workload it was made for until it expires', async () => {
    const token = createBootstrapToken(key, backend, 24 * HOUR_MS, NOW);
    assert.deepEqual(await at(NOW + 23 * HOUR_MS).authenticate(token), {
      ...backend,
      authenticatedBy: 'bootstrap token',
    });
    await assert.rejects(
      at(NOW + 25 * HOUR_MS).authenticate(token),
      /expired at 2026-12-07T12:00:00.000Z; create a new one/,
    );
  });

  const [header, payload, signature] = createBootstrapToken(key, backend, HOUR_MS, NOW).split('.') as [
    string,
    string,
    string,
  ];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const refused: [string, string, RegExp][] = [
    [
      'a token whose claims were changed',
      `${header}.${encode({ ...claims, namespace: 'payments' })}.${signature}`,
      /the signature does not verify/,
    ],
    ['a token from another state dir', createBootstrapToken(otherKey, backend, HOUR_MS, NOW), /signed by another key/],
    [
      'an unsigned token (alg none)',
      `${encode({ alg: 'none', kid: key.keyId })}.${payload}.`,
      /algorithm none is not ES256/,
    ],
    [
      'a token for another audience',
      `${header}.${encode({ ...claims, aud: 'vault' })}.${signature}`,
      /signature does not verify|audience/,
    ],
  ];
  for (const [what, token, message] of refused)
    it(`refuses ${what}, saying why`, async () => {
      await assert.rejects(at(NOW).authenticate(token), (error: Error) => {
        assert.ok(error instanceof AuthenticationError);
        assert.match(error.message, message);
        return true;
      });
    });

  it('leaves a JWT of another issuer to the next authenticator', async () => {
    const kubernetes = `${encode({ alg: 'RS256' })}.${encode({ iss: 'https://kubernetes.default.svc' })}.c2ln`;
    assert.equal(await at(NOW).authenticate(kubernetes), undefined);
    await assert.rejects(authenticate(`Bearer ${kubernetes}`, [at(NOW)]), /of no kind this control plane accepts/);
  });

  it('asks for a bearer token when a call carries none or another scheme', async () => {
    await assert.rejects(authenticate(undefined, [at(NOW)]), /no credentials: send "authorization: Bearer <token>"/);
    await assert.rejects(authenticate('Basic dXNlcjpwdw==', [at(NOW)]), /not "Bearer <token>"/);
    const token = createBootstrapToken(key, backend, HOUR_MS, NOW);
    assert.equal((await authenticate(`Bearer ${token}`, [at(NOW)])).serviceAccount, 'backend-sa');
  });

  it('refuses to make a token for a name that cannot be part of a SPIFFE ID', () => {
    assert.throws(
      () => createBootstrapToken(key, { ...backend, namespace: 'a/b' }, HOUR_MS, NOW),
      /namespace "a\/b" cannot be part of a SPIFFE ID/,
    );
  });
});
