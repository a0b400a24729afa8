import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadStateDirCa, rootFiles, writeRoot } from './state-dir-ca.js';
import { x509 } from './x509.js';

const YEAR_MS = 365.25 * 24 * 3_600_000;

describe('state dir CA', () => {
  const dirs: string[] = [];
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-ca-'));
    dirs.push(dir);
    return join(dir, 'state');
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('makes a self-signed P-256 root valid ten years on first start, key 0600, and keeps it across restarts', async () => {
    const dir = stateDir();
    const now = new Date('2026-12-06T12:00:00Z');
    const first = await loadStateDirCa(dir, 'cluster.local', now);
    const root = first.certificate;
    assert.equal(root.subject, root.issuer);
    assert.ok(await root.verify({ signatureOnly: true }));
    assert.equal((root.publicKey.algorithm as { namedCurve?: string }).namedCurve, 'P-256');
    assert.equal(root.getExtension(x509.BasicConstraintsExtension)?.ca, true);
    assert.equal(Math.round((root.notAfter.getTime() - root.notBefore.getTime()) / YEAR_MS), 10);
    assert.equal(statSync(rootFiles(dir, 'active').key).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(first.trustBundle, [root]);
    assert.deepEqual(first.chain, []);

    const second = await loadStateDirCa(dir, 'cluster.local', new Date(now.getTime() + 60_000));
    assert.equal(second.certificate.serialNumber, root.serialNumber);
  });

  it('refuses a root key that others can read, naming the file', async () => {
    const dir = stateDir();
    await loadStateDirCa(dir, 'cluster.local', new Date());
    const keyFile = rootFiles(dir, 'active').key;
    chmodSync(keyFile, 0o644);
    await assert.rejects(loadStateDirCa(dir, 'cluster.local', new Date()), (error: Error) => {
      assert.match(error.message, new RegExp(`${keyFile} is readable by others \\(mode 644\\).*chmod 600`));
      return true;
    });
  });

  it('trusts a prepared next root beside the active one, and still signs with the active one', async () => {
    const dir = stateDir();
    const now = new Date();
    const active = await loadStateDirCa(dir, 'cluster.local', now);
    await writeRoot(dir, 'next', 'cluster.local', now);
    const ca = await loadStateDirCa(dir, 'cluster.local', now);
    assert.equal(ca.certificate.serialNumber, active.certificate.serialNumber);
    assert.equal(ca.trustBundle.length, 2);
    const next = new x509.X509Certificate(readFileSync(rootFiles(dir, 'next').certificate, 'utf8'));
    assert.equal(ca.trustBundle[1]?.serialNumber, next.serialNumber);
  });
});
