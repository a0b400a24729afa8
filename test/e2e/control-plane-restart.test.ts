// Sidecars outlive their control plane: while none answers they keep serving the last good config,
// and when it returns they reconnect, register again and resync.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { httpRequest, servedBy } from '../support/http.js';
import { startControlPlane, startSidecar, waitFor, type ControlPlaneProcess, type SidecarProcess } from '../support/processes.js';

describe('control plane outage', () => {
  let controlPlane: ControlPlaneProcess;
  const apps: TestApp[] = [];
  const sidecars: SidecarProcess[] = [];
  let frontend: SidecarProcess;

  before(async () => {
    controlPlane = await startControlPlane();
    const backendApp = await startNamedApp('backend-1');
    apps.push(backendApp, await startNamedApp('frontend-1'));
    sidecars.push(await startSidecar({ service: 'backend', instanceId: 'backend-1', appPort: backendApp.port, controlPlane: controlPlane.grpc }));
    frontend = await startSidecar({ service: 'frontend', instanceId: 'frontend-1', appPort: (apps[1] as TestApp).port, controlPlane: controlPlane.grpc });
    sidecars.push(frontend);
    await waitFor(async () => (await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).status === 200, 'backend routable');
  });

  after(async () => {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    await Promise.all(apps.map((app) => app.close()));
    await controlPlane?.stop();
  });

  it('keeps routing on the last good config while the control plane is down, and resyncs when it returns', async () => {
    const [grpcHost, grpcPort] = controlPlane.grpc.split(':') as [string, string];
    await controlPlane.stop('SIGKILL');
    for (let i = 0; i < 5; i++) {
      const result = await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } });
      assert.equal(result.status, 200);
      assert.equal(servedBy(result), 'backend-1');
    }
    controlPlane = await startControlPlane(['--grpc-listen', `${grpcHost}:${grpcPort}`]);
    await waitFor(
      async () => {
        const view = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()) as { services: unknown[] };
        return view.services.length === 2;
      },
      'both sidecars to register again with the new control plane',
      15_000,
    );
    await waitFor(
      async () => {
        const view = (await (await fetch(`http://${controlPlane.admin}/debug/proxies`)).json()) as { proxies: Array<{ types: Record<string, { inSync: boolean }> }> };
        return view.proxies.length === 2 && view.proxies.every((proxy) => ['CDS', 'EDS', 'LDS', 'RDS'].every((type) => proxy.types[type]?.inSync));
      },
      'both sidecars to reconnect and ACK',
      15_000,
    );
    assert.equal((await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).status, 200);
  });

  it('stops gracefully on POST /quitquitquit, deregistering at once', async () => {
    const backend = sidecars[0] as SidecarProcess;
    const exited = once(backend.child, 'exit');
    const answer = await fetch(`http://${backend.admin}/quitquitquit`, { method: 'POST' });
    assert.equal(answer.status, 200);
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    const view = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()) as { services: Array<{ name: string }> };
    assert.deepEqual(view.services.map((service) => service.name), ['frontend']);
  });
});
