// Chaos on the data plane, under steady load: a rolling restart of a service's instances, each
// stopped with SIGTERM (its sidecar deregisters, drains, exits) and started again, through two
// control-plane replicas on etcd. The callers never see a failed request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { startEtcd, type EtcdMember } from '../support/etcd.js';
import { httpRequest, servedBy } from '../support/http.js';
import { startLoad } from '../support/load.js';
import { testStateDir } from '../support/mesh-security.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';

interface Instance {
  id: string;
  app: TestApp;
  sidecar: SidecarProcess;
}

describe('chaos: a rolling restart of backend instances under load', () => {
  let etcd: EtcdMember;
  const replicas: ControlPlaneProcess[] = [];
  let controlPlane = '';
  let backends: Instance[] = [];
  let frontendApp: TestApp;
  let frontend: SidecarProcess;

  async function startBackend(id: string, appName: string): Promise<Instance> {
    const app = await startNamedApp(appName);
    const sidecar = await startSidecar({ service: 'backend', instanceId: id, appPort: app.port, controlPlane });
    return { id, app, sidecar };
  }

  const reaches = async (appName: string) =>
    servedBy(await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })) === appName;

  before(async () => {
    etcd = await startEtcd();
    const stateDir = testStateDir();
    // Started side by side: each waits mostly on the others' I/O.
    const started = [startControlPlane(['--store', etcd.storeUrl, '--state-dir', stateDir])];
    started.push(startControlPlane(['--store', etcd.storeUrl, '--state-dir', stateDir]));
    replicas.push(...(await Promise.all(started)));
    controlPlane = replicas.map((replica) => replica.grpc).join(',');
    frontendApp = await startNamedApp('frontend-1');
    [frontend, ...backends] = await Promise.all([
      startSidecar({ service: 'frontend', instanceId: 'frontend-1', appPort: frontendApp.port, controlPlane }),
      startBackend('backend-1', 'backend-1'),
      startBackend('backend-2', 'backend-2'),
    ]);
    for (const name of ['backend-1', 'backend-2'])
      await waitFor(() => reaches(name), `${name} reached from the frontend`);
  });

  after(async () => {
    await Promise.all([frontend, ...backends.map((backend) => backend.sidecar)].map((sidecar) => sidecar.stop()));
    await Promise.all([frontendApp, ...backends.map((backend) => backend.app)].map((app) => app.close()));
    await Promise.all(replicas.map((replica) => replica.stop()));
    await etcd.remove();
  });

  it('SIGTERM, drain, deregister and start again, one instance after the other: 0 failed requests', async () => {
    const load = startLoad({ address: frontend.outbound, host: 'backend' });
    try {
      await load.answersMore(50, 'before the restart');
      for (const [index, old] of [...backends].entries()) {
        assert.equal(await old.sidecar.stop('SIGTERM', 30_000), 0, `${old.id}'s sidecar exits cleanly after draining`);
        await old.app.close();
        const restarted = await startBackend(old.id, `${old.id}-restarted`);
        backends[index] = restarted;
        await waitFor(() => reaches(`${old.id}-restarted`), `the restarted ${old.id} reached from the frontend`);
        await load.answersMore(50, `after ${old.id} restarted`);
      }
    } finally {
      const { failures, answered, servedBy: byApp } = await load.stop();
      assert.deepEqual(failures, [], `${failures.length} of ${answered + failures.length} requests failed`);
      assert.ok((byApp.get('backend-2-restarted') ?? 0) > 0, 'the load reached the restarted instances');
    }
  });
});
