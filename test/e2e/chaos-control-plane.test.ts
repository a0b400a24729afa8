// Chaos on the control plane, under steady load through two sidecars: two replicas share one real
// etcd; one replica is killed with SIGKILL, then every replica is restarted at once while a sidecar
// restarts from its config cache. Requests never fail, and no registration is lost.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { startEtcd, type EtcdMember } from '../support/etcd.js';
import { httpRequest } from '../support/http.js';
import { startLoad } from '../support/load.js';
import { testStateDir } from '../support/mesh-security.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';
import { dumpOf, inSyncOn } from '../support/xds-status.js';

async function registeredInstances(controlPlane: ControlPlaneProcess): Promise<string[]> {
  const view = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()) as {
    services: Array<{ instances: Array<{ instance_id: string }> }>;
  };
  return view.services.flatMap((service) => service.instances.map((instance) => instance.instance_id)).sort();
}

describe('chaos: control-plane replicas on etcd, under load', () => {
  const stateDir = testStateDir();
  let etcd: EtcdMember;
  let cacheDir: string;
  const replicas: ControlPlaneProcess[] = [];
  const apps: TestApp[] = [];
  const sidecars = new Map<string, SidecarProcess>();

  const startReplica = (address = '127.0.0.1:0') =>
    startControlPlane(['--store', etcd.storeUrl, '--state-dir', stateDir, '--grpc-listen', address]);

  function startMeshSidecar(service: string, instanceId: string, app: TestApp, extraArgs: string[] = []) {
    return startSidecar({
      service,
      instanceId,
      appPort: app.port,
      controlPlane: replicas.map((replica) => replica.grpc).join(','),
      // Longer than every control plane's restart, which has taken over a minute on a loaded machine:
      // the leases must outlive the replicas, in etcd.
      leaseTtl: 300,
      extraArgs,
    }).then((sidecar) => {
      sidecars.set(instanceId, sidecar);
      return sidecar;
    });
  }

  before(async () => {
    etcd = await startEtcd();
    cacheDir = await mkdtemp(join(tmpdir(), 'pilotfish-chaos-cache-'));
    replicas.push(await startReplica(), await startReplica());
    apps.push(await startNamedApp('backend-1'), await startNamedApp('frontend-1'));
    const [backendApp, frontendApp] = apps as [TestApp, TestApp];
    await startMeshSidecar('backend', 'backend-1', backendApp);
    await startMeshSidecar('frontend', 'frontend-1', frontendApp);
    await startMeshSidecar('frontend', 'frontend-2', frontendApp, [
      '--config-cache',
      cacheDir,
      '--config-cache-wait',
      '1',
    ]);
    for (const id of ['frontend-1', 'frontend-2']) {
      const sidecar = sidecars.get(id) as SidecarProcess;
      await waitFor(
        async () => (await httpRequest(sidecar.outbound, '/', { headers: { host: 'backend' } })).status === 200,
        `backend routable from ${id}`,
      );
    }
  });

  after(async () => {
    await Promise.all([...sidecars.values()].map((sidecar) => sidecar.stop()));
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all(apps.map((app) => app.close()));
    await etcd.remove();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('kill -9 of one replica of two: 0 failed requests, and its sidecars move to the other', async () => {
    const frontend = sidecars.get('frontend-1') as SidecarProcess;
    const load = startLoad({ address: frontend.outbound, host: 'backend' });
    try {
      await load.answersMore(50, 'before the kill');
      const inUse = (await dumpOf(frontend)).controlPlane;
      const index = replicas.findIndex((replica) => replica.grpc === inUse);
      assert.ok(index >= 0, `the frontend names one of the replicas (${inUse})`);
      const other = replicas[1 - index] as ControlPlaneProcess;
      const moved: string[] = [];
      for (const [id, sidecar] of sidecars) if ((await dumpOf(sidecar)).controlPlane === inUse) moved.push(id);

      await (replicas[index] as ControlPlaneProcess).stop('SIGKILL');
      for (const id of moved) {
        await waitFor(() => inSyncOn(other, `sidecar~${id}.default`), `${id} in sync on the other replica`);
      }
      await load.answersMore(100, 'after the kill');
    } finally {
      const { failures, answered } = await load.stop();
      assert.deepEqual(failures, [], `${failures.length} of ${answered + failures.length} requests failed`);
    }
  });

  it('every replica restarted at once: 0 failed requests, no registration lost, and a sidecar restarted meanwhile serves from its cache', async () => {
    const frontend = sidecars.get('frontend-1') as SidecarProcess;
    const load = startLoad({ address: frontend.outbound, host: 'backend' });
    try {
      await load.answersMore(50, 'before the restart');
      const addresses = replicas.map((replica) => replica.grpc);
      await Promise.all(replicas.map((replica) => replica.stop('SIGKILL')));

      // No control plane runs: the restarted sidecar comes up on its cached config.
      const cached = sidecars.get('frontend-2') as SidecarProcess;
      await cached.stop();
      const restarted = await startMeshSidecar('frontend', 'frontend-2', apps[1] as TestApp, [
        '--config-cache',
        cacheDir,
        '--config-cache-wait',
        '1',
      ]);
      assert.match(await (await fetch(`http://${restarted.admin}/ready`)).text(), /serving the config cached at/);
      const fromCache = await httpRequest(restarted.outbound, '/', { headers: { host: 'backend' } });
      assert.equal(fromCache.status, 200, fromCache.body);
      await load.answersMore(50, 'while no control plane runs');

      replicas.splice(0, replicas.length, ...(await Promise.all(addresses.map((address) => startReplica(address)))));
      // Read as soon as each replica listens: the leases lived on in etcd.
      for (const replica of replicas)
        assert.deepEqual(await registeredInstances(replica), ['backend-1', 'frontend-1', 'frontend-2']);
      await waitFor(
        async () => (await (await fetch(`http://${restarted.admin}/ready`)).text()) === 'LIVE\n',
        'the restarted sidecar on live config',
        30_000,
      );
      await load.answersMore(100, 'after the restart');
    } finally {
      const { failures, answered } = await load.stop();
      assert.deepEqual(failures, [], `${failures.length} of ${answered + failures.length} requests failed`);
    }
  });
});
