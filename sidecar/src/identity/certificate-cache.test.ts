import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { CertificateCache } from './certificate-cache.js';
import type { WorkloadCertificateState } from './workload-certificate.js';

const NOW = Date.parse('2026-12-07T00:00:00Z');

function stateUntil(notAfter: number): WorkloadCertificateState {
  return {
    certificateChain: '-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n',
    trustBundle: '-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n',
    spiffeId: 'spiffe://cluster.local/ns/default/sa/frontend',
    privateKeyPem: '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n',
    notAfter: new Date(notAfter),
  };
}

function cacheIn(dir: string, owner = 'default/frontend', now = NOW) {
  const lines: Array<{ msg: string; reason?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as never) });
  return { cache: new CertificateCache({ dir, owner, logger, now: () => now }), lines };
}

describe('CertificateCache', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pilotfish-certificate-cache-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('gives back the certificate and key it kept, in a file only its owner reads', async () => {
    const dir = join(root, 'kept');
    const state = stateUntil(NOW + 3_600_000);
    await cacheIn(dir).cache.save(state);
    assert.equal((await stat(join(dir, 'workload-certificate.json'))).mode & 0o777, 0o600);
    assert.deepEqual(await cacheIn(dir).cache.load(), state);
  });

  const refused: Array<[string, number, string, RegExp]> = [
    ['an expired certificate', NOW - 1, 'default/frontend', /^it expired at 2026-12-06T23:59:59\.999Z$/],
    [
      "another workload's certificate",
      NOW + 3_600_000,
      'default/backend',
      /certificate of default\/frontend, not of default\/backend/,
    ],
  ];
  for (const [what, notAfter, owner, reason] of refused) {
    it(`does not use ${what}, saying why`, async () => {
      const dir = join(root, what.replaceAll(' ', '-'));
      await cacheIn(dir).cache.save(stateUntil(notAfter));
      const { cache, lines } = cacheIn(dir, owner);
      assert.equal(await cache.load(), undefined);
      const line = lines.find((candidate) => candidate.msg === 'cached workload certificate not used');
      assert.match(line?.reason ?? '', reason);
    });
  }

  it('does not use a kept certificate whose file others may read, naming the file and its mode', async () => {
    const dir = join(root, 'open');
    await cacheIn(dir).cache.save(stateUntil(NOW + 3_600_000));
    const file = join(dir, 'workload-certificate.json');
    await chmod(file, 0o644);
    const { cache, lines } = cacheIn(dir);
    assert.equal(await cache.load(), undefined);
    const line = lines.find((candidate) => candidate.msg === 'cached workload certificate unreadable; not used');
    assert.match(line?.reason ?? '', new RegExp(`${file} is readable by others \\(mode 644\\).*chmod 600`));
  });

  it('starts without one, silently, when none was kept', async () => {
    const { cache, lines } = cacheIn(join(root, 'none'));
    assert.equal(await cache.load(), undefined);
    assert.deepEqual(lines, []);
  });
});
