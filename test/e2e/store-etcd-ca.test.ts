// Replicas on one etcd, each with a state dir of its own, share one CA through the store: the first
// claims it, the others adopt it (replacing a root of their own), so a token made from one replica's
// state dir is accepted by another, and a sidecar trusting one replica's bundle gets its certificate from another.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { writeRoot } from '../../control-plane/src/identity/state-dir-ca.js';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { tokenCredentials } from '../support/control-plane-credentials.js';
import { startEtcd, type EtcdMember } from '../support/etcd.js';
import { rememberSecurity, testStateDir, workloadTokenFile } from '../support/mesh-security.js';
import { runCli, startControlPlane, startSidecar, type ControlPlaneProcess } from '../support/processes.js';
import { register, registryClient } from '../support/registry-client.js';

describe('the CA shared by replicas on etcd', () => {
  let etcd: EtcdMember;
  let first: ControlPlaneProcess;
  let second: ControlPlaneProcess;
  let app: TestApp;
  const stateDirs = [testStateDir(), testStateDir()] as const;

  before(async () => {
    etcd = await startEtcd();
    // The second replica's state dir already has a root of its own, from before it joined.
    await writeRoot(stateDirs[1], 'active', 'cluster.local', new Date());
    first = await startControlPlane(['--store', etcd.storeUrl, '--state-dir', stateDirs[0]]);
    second = await startControlPlane(['--store', etcd.storeUrl, '--state-dir', stateDirs[1]]);
    app = await startNamedApp('backend-1');
  });

  after(async () => {
    await Promise.all([first.stop(), second.stop()]);
    await app.close();
    await etcd.remove();
  });

  it('gives every replica the first one root and token key, saying so when it replaces a root', () => {
    const bundle = (dir: string) => readFileSync(`${dir}/trust-bundle.pem`, 'utf8');
    assert.equal(bundle(stateDirs[1]), bundle(stateDirs[0]));
    assert.equal(
      readFileSync(`${stateDirs[1]}/token-signing.key`, 'utf8'),
      readFileSync(`${stateDirs[0]}/token-signing.key`, 'utf8'),
    );
    assert.match(
      second.logs(),
      /"files":\["ca\.crt","ca\.key"\],"msg":"the state dir's CA files differ from the store's/,
    );
    assert.doesNotMatch(first.logs(), /differ from the store's/);
  });

  it("accepts at one replica the tokens and certificates of another's state dir", async () => {
    const ofFirst = rememberSecurity(first.grpc, stateDirs[0]);
    const client = registryClient(second.grpc, tokenCredentials(ofFirst.caFile, ofFirst.adminToken));
    try {
      const lease = await register(client, {
        instance: { service: 'plain', instance_id: 'plain-1', address: '127.0.0.1', port: 9 },
      });
      assert.ok(lease.lease_id);
    } finally {
      client.close();
    }
    // The first replica's bootstrap token and bundle; the certificate and config come from the second.
    const sidecar = await startSidecar({
      service: 'backend',
      instanceId: 'backend-1',
      appPort: app.port,
      controlPlane: second.grpc,
      tokenFile: workloadTokenFile(ofFirst, 'backend'),
      caFile: ofFirst.caFile,
    });
    await sidecar.stop();
    assert.match(sidecar.logs(), /xDS stream connected/);
  });

  it('rotates the shared root with `pilotfish ca … --store`: a replica restarted trusts the next root too', async () => {
    // An operator's machine: a state dir of its own, empty; the steps act on the store's roots.
    const operatorDir = testStateDir();
    const prepared = await runCli(['ca', 'prepare', '--state-dir', operatorDir, '--store', etcd.storeUrl]);
    assert.equal(prepared.code, 0, prepared.stderr);
    const active = readFileSync(`${stateDirs[0]}/ca.crt`, 'utf8');
    assert.equal(readFileSync(`${operatorDir}/ca.crt`, 'utf8'), active, "the step kept the store's active root");

    await second.stop();
    second = await startControlPlane(['--store', etcd.storeUrl, '--state-dir', stateDirs[1]]);
    const bundle = readFileSync(`${stateDirs[1]}/trust-bundle.pem`, 'utf8');
    assert.equal(bundle.match(/BEGIN CERTIFICATE/g)?.length, 2, 'the active and the next root');
    assert.ok(bundle.startsWith(active), 'the active root still signs');
    assert.equal(
      readFileSync(`${stateDirs[1]}/ca-next.crt`, 'utf8'),
      readFileSync(`${operatorDir}/ca-next.crt`, 'utf8'),
    );
  });
});
