import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { activateRoot, prepareRoot, retireRoot } from './root-rotation.js';
import { loadStateDirCa } from './state-dir-ca.js';

describe('root rotation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-rotation-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trusts both roots from prepare to retire, and signs with the new one once activated', async () => {
    const stateDir = join(dir, 'state');
    const now = new Date();
    const serials = async () => {
      const ca = await loadStateDirCa(stateDir, 'cluster.local', now);
      return { signer: ca.certificate.serialNumber, bundle: ca.trustBundle.map((root) => root.serialNumber) };
    };
    const old = (await serials()).signer;
    await prepareRoot(stateDir, 'cluster.local', now);
    const prepared = await serials();
    assert.equal(prepared.signer, old);
    const next = prepared.bundle.find((serial) => serial !== old) as string;
    assert.deepEqual(prepared.bundle, [old, next]);
    await assert.rejects(prepareRoot(stateDir, 'cluster.local', now), /already has a prepared root: activate it first/);

    activateRoot(stateDir);
    assert.deepEqual(await serials(), { signer: next, bundle: [next, old] });
    await assert.rejects(prepareRoot(stateDir, 'cluster.local', now), /still trusts a previous root: retire it first/);

    retireRoot(stateDir);
    assert.deepEqual(await serials(), { signer: next, bundle: [next] });
    assert.throws(() => retireRoot(stateDir), /has no previous root to retire/);
    assert.throws(() => activateRoot(stateDir), /has no prepared root/);
  });
});
