// Sidecars outlive their control plane: while none answers they keep serving the last good config,
// and when it returns they reconnect, register again and resync.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { useTwoServiceMesh } from '../support/mesh.js';
import { httpRequest, servedBy } from '../support/http.js';
import { startControlPlane, waitFor } from '../support/processes.js';

describe('control plane outage', () => {
  const mesh = useTwoServiceMesh();

  it('keeps routing on the last good config while the control plane is down, and resyncs when it returns', async () => {
    const { frontend } = mesh.current;
    let { controlPlane } = mesh.current;
    const [grpcHost, grpcPort] = controlPlane.grpc.split(':') as [string, string];
    await controlPlane.stop('SIGKILL');
    for (let i = 0; i < 5; i++) {
      const result = await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } });
      assert.equal(result.status, 200);
      assert.equal(servedBy(result), 'backend-1');
    }
    controlPlane = await startControlPlane(['--grpc-listen', `${grpcHost}:${grpcPort}`]);
    mesh.current.controlPlane = controlPlane;
    await waitFor(
      async () => {
        const view = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()) as {
          services: unknown[];
        };
        return view.services.length === 2;
      },
      'both sidecars to register again with the new control plane',
      15_000,
    );
    await waitFor(
      async () => {
        const view = (await (await fetch(`http://${controlPlane.admin}/debug/proxies`)).json()) as {
          proxies: Array<{ types: Record<string, { inSync: boolean }> }>;
        };
        return (
          view.proxies.length === 2 &&
          view.proxies.every((proxy) => ['CDS', 'EDS', 'LDS', 'RDS'].every((type) => proxy.types[type]?.inSync))
        );
      },
      'both sidecars to reconnect and ACK',
      15_000,
    );
    assert.equal((await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).status, 200);
  });

  it('stops gracefully on POST /quitquitquit, deregistering at once', async () => {
    const { controlPlane, backend } = mesh.current;
    const exited = once(backend.child, 'exit');
    const answer = await fetch(`http://${backend.admin}/quitquitquit`, { method: 'POST' });
    assert.equal(answer.status, 200);
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    const view = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()) as {
      services: Array<{ name: string }>;
    };
    assert.deepEqual(
      view.services.map((service) => service.name),
      ['frontend'],
    );
  });
});
