// A sidecar given several control-plane replicas uses one, moves to another within seconds when the
// one in use dies, and rebalances when its stream has aged; traffic never depends on either.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { httpRequest, servedBy } from '../support/http.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';
import { dumpOf, inSyncOn } from '../support/xds-status.js';
import { testStateDir } from '../support/mesh-security.js';
import { register, registryClient } from '../support/registry-client.js';

async function registers(controlPlane: ControlPlaneProcess, instanceId: string): Promise<boolean> {
  return (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).text()).includes(`"${instanceId}"`);
}

describe('control plane failover', () => {
  const controlPlanes: ControlPlaneProcess[] = [];
  const apps: TestApp[] = [];
  const sidecars: SidecarProcess[] = [];

  before(async () => {
    // Replicas share one CA (one state dir), as they would share one in production.
    const stateDir = testStateDir();
    controlPlanes.push(
      await startControlPlane(['--state-dir', stateDir]),
      await startControlPlane(['--state-dir', stateDir]),
    );
    const backend = await startNamedApp('backend-1');
    apps.push(backend, await startNamedApp('frontend-1'));
    // The backend instance is registered with both replicas (as a shared store would have it), so
    // either one gives the frontend the same endpoints.
    const instance = { service: 'backend', instance_id: 'backend-1', address: '127.0.0.1', port: backend.port };
    for (const controlPlane of controlPlanes) {
      const client = registryClient(controlPlane.grpc);
      await register(client, { instance, ttl_seconds: 600 });
      client.close();
    }
  });

  after(async () => {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(controlPlanes.map((controlPlane) => controlPlane.stop()));
  });

  function startFrontend(instanceId: string, extraArgs: string[] = []): Promise<SidecarProcess> {
    return startSidecar({
      service: 'frontend',
      instanceId,
      appPort: (apps[1] as TestApp).port,
      controlPlane: controlPlanes.map((controlPlane) => controlPlane.grpc).join(','),
      extraArgs,
    });
  }

  it('rebalances: an aged stream moves to a replica picked afresh, and registration follows', async () => {
    const sidecar = await startFrontend('frontend-aging', ['--control-plane-max-age', '1']);
    sidecars.push(sidecar);
    const seen = new Set<string>();
    await waitFor(
      async () => {
        const dump = await dumpOf(sidecar);
        if (dump.connected && dump.controlPlane) seen.add(dump.controlPlane);
        return seen.size === 2;
      },
      'the aged stream to have used both replicas',
      30_000,
    );
    assert.match(sidecar.logs(), /xDS stream aged; moving to another control plane/);
    const [first, second] = controlPlanes as [ControlPlaneProcess, ControlPlaneProcess];
    await waitFor(
      async () => (await registers(first, 'frontend-aging')) && (await registers(second, 'frontend-aging')),
      'the registration to have followed the stream to both replicas',
    );
    await sidecar.stop();
  });

  it('moves to the other replica when the one in use is killed, and traffic goes on', async () => {
    const sidecar = await startFrontend('frontend-1');
    sidecars.push(sidecar);
    const nodeId = 'sidecar~frontend-1.default';
    const inUse = (await dumpOf(sidecar)).controlPlane;
    const killed = controlPlanes.find((controlPlane) => controlPlane.grpc === inUse);
    const other = controlPlanes.find((controlPlane) => controlPlane.grpc !== inUse);
    assert.ok(killed && other, `the sidecar names one of the replicas (${inUse})`);
    await waitFor(
      async () => (await httpRequest(sidecar.outbound, '/', { headers: { host: 'backend' } })).status === 200,
      'backend routable from frontend',
    );

    let sending = true;
    const failures: string[] = [];
    let answered = 0;
    const traffic = (async () => {
      while (sending) {
        try {
          const result = await httpRequest(sidecar.outbound, '/', { headers: { host: 'backend' } });
          if (result.status === 200 && servedBy(result) === 'backend-1') answered++;
          else failures.push(`${result.status} ${result.body}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    })();
    try {
      await killed.stop('SIGKILL');
      await waitFor(async () => {
        const dump = await dumpOf(sidecar);
        return dump.connected && dump.controlPlane === other.grpc;
      }, 'the sidecar to be connected to the other replica');
      await waitFor(() => inSyncOn(other, nodeId), 'the other replica to see the sidecar in sync');
      await waitFor(() => registers(other, 'frontend-1'), 'the sidecar to register with the other replica');
      const before = answered;
      await waitFor(() => answered > before, 'a request answered on the new replica');
    } finally {
      sending = false;
      await traffic;
    }
    assert.deepEqual(failures, []);
  });
});
