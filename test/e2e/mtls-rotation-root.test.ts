// Root rotation with a two-root bundle under load, as an operator runs it: `pilotfish ca prepare`,
// restart the control plane, wait until every sidecar trusts both roots; `ca activate`, restart,
// wait until every sidecar holds a leaf from the new root; `ca retire`, restart. Each restart
// rewrites the roots in the sidecars' --ca-file, and they renew their 24 h certificates within
// --roots-change-spread (2 s here: a fleet of two); ~200 req/s go from one sidecar to the other
// throughout, and none fails.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rootFiles } from '../../control-plane/src/identity/state-dir-ca.js';
import { ROTATION_LOAD, startLoad } from '../support/load.js';
import { testStateDir } from '../support/mesh-security.js';
import { startTwoServiceMesh, type TwoServiceMesh } from '../support/mesh.js';
import { runCli, startControlPlane, waitFor } from '../support/processes.js';
import { issueSvid, mutualTlsRequest, presentedCertificate, type TestSvid } from '../support/workload-certificates.js';

// Sidecars renew at a random moment of --roots-change-spread after the roots change, on a busy machine.
const SPREAD_SECONDS = 2;
const RENEWED_WITHIN_MS = SPREAD_SECONDS * 1000 + 60_000;

describe('root rotation under load', () => {
  let mesh: TwoServiceMesh;
  let stateDir: string;

  before(async () => {
    mesh = await startTwoServiceMesh({ PILOTFISH_ROOTS_CHANGE_SPREAD: String(SPREAD_SECONDS) });
    stateDir = mesh.controlPlane.stateDir as string;
  });

  after(async () => {
    await mesh?.stop();
  });

  const sidecars = () => ({ frontend: mesh.frontend, backend: mesh.backend });
  const caStep = async (step: string) => {
    const result = await runCli(['ca', step, '--state-dir', stateDir]);
    assert.equal(result.code, 0, result.stderr);
  };
  // The control plane reads its roots when it starts: the operator restarts it after each step.
  const restartControlPlane = async () => {
    const { grpc } = mesh.controlPlane;
    await mesh.controlPlane.stop();
    mesh.controlPlane = await startControlPlane(['--grpc-listen', grpc]);
  };
  /** A client leaf signed by the prepared root (copied as the active root of a state dir of its own). */
  const leafOfNextRoot = async (): Promise<TestSvid> => {
    const dir = testStateDir();
    for (const file of ['certificate', 'key'] as const)
      copyFileSync(rootFiles(stateDir, 'next')[file], rootFiles(dir, 'active')[file]);
    return issueSvid(dir, 'ledger');
  };

  it('prepare, activate and retire a root with no failed request', async () => {
    const load = startLoad({
      address: mesh.frontend.outbound,
      host: 'backend',
      // Below the leaf test's 500: the control plane restarts three times on the same two cores.
      ...ROTATION_LOAD,
      ratePerSecond: 200,
      maxRequests: 60_000,
    });
    try {
      await load.answersMore(200, 'before the rotation');

      await caStep('prepare');
      await restartControlPlane();
      const bothRoots = readFileSync(join(stateDir, 'trust-bundle.pem'), 'utf8');
      assert.equal(bothRoots.match(/BEGIN CERTIFICATE/g)?.length, 2, 'the bundle holds the active and the next root');
      for (const [name, sidecar] of Object.entries(sidecars()))
        await waitFor(
          () => sidecar.logs().includes(`renewing the workload certificate within ${SPREAD_SECONDS} s`),
          `the ${name} sidecar to see the new roots and renew within its --roots-change-spread`,
        );
      const nextRoot = new X509Certificate(readFileSync(rootFiles(stateDir, 'next').certificate));
      const client = await leafOfNextRoot();
      // A sidecar trusts the next root once its renewal brought the two-root bundle.
      for (const [name, sidecar] of Object.entries(sidecars()))
        await waitFor(
          async () => (await mutualTlsRequest(sidecar.inbound, '/', client, bothRoots)).status === 200,
          `the ${name} sidecar to accept a client certificate of the next root`,
          RENEWED_WITHIN_MS,
        );
      await load.answersMore(200, 'once every sidecar trusts both roots');

      await caStep('activate');
      await restartControlPlane();
      for (const [name, sidecar] of Object.entries(sidecars()))
        await waitFor(
          async () => (await presentedCertificate(sidecar.inbound, client, bothRoots)).verify(nextRoot.publicKey),
          `the ${name} sidecar to present a leaf signed by the new root`,
          RENEWED_WITHIN_MS,
        );
      await load.answersMore(200, 'once every sidecar holds a leaf of the new root');

      await caStep('retire');
      await restartControlPlane();
      assert.equal(
        readFileSync(join(stateDir, 'trust-bundle.pem'), 'utf8'),
        nextRoot.toString(),
        'the bundle holds the new root alone',
      );
      await load.answersMore(200, 'after the old root was retired');
      for (const sidecar of Object.values(sidecars()))
        assert.equal((await mutualTlsRequest(sidecar.inbound, '/', client, bothRoots)).status, 200);
    } finally {
      const { failures, answered } = await load.stop();
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${answered + failures.length} requests failed`);
    }
  });
});
