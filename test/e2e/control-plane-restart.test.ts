// Sidecars outlive their control plane: while none answers they keep serving the last good config,
// and when it returns they reconnect, register again and resync.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { useTwoServiceMesh } from '../support/mesh.js';
import { httpRequest, servedBy } from '../support/http.js';
import { startNamedApp } from '../support/apps.js';
import { startControlPlane, waitFor, type ControlPlaneProcess } from '../support/processes.js';
import { deregister, register, registryClient } from '../support/registry-client.js';

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
    await waitFor(async () => {
      const view = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()) as {
        services: unknown[];
      };
      return view.services.length === 2;
    }, 'both sidecars to register again with the new control plane');
    await waitFor(async () => {
      const view = (await (await fetch(`http://${controlPlane.admin}/debug/proxies`)).json()) as {
        proxies: Array<{ types: Record<string, { inSync: boolean }> }>;
      };
      return (
        view.proxies.length === 2 &&
        view.proxies.every((proxy) => ['CDS', 'EDS', 'LDS', 'RDS'].every((type) => proxy.types[type]?.inSync))
      );
    }, 'both sidecars to reconnect and ACK');
    assert.equal((await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).status, 200);
  });

  it('stops gracefully on POST /quitquitquit, deregistering at once', async () => {
    const { controlPlane, backend } = mesh.current;
    const exited = once(backend.child, 'exit');
    const logged = backend.logs().length;
    const answer = await fetch(`http://${backend.admin}/quitquitquit`, { method: 'POST' });
    assert.equal(answer.status, 200);
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    const stopLog = backend.logs().slice(logged);
    assert.match(stopLog, /"msg":"sidecar stopped"/, 'the log is read to its end');
    assert.doesNotMatch(stopLog, /lease keep-alive stream lost/, 'a clean stop is not a lost stream');
    const view = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()) as {
      services: Array<{ name: string }>;
    };
    assert.deepEqual(
      view.services.map((service) => service.name),
      ['frontend'],
    );
  });

  it('stops on SIGTERM without warning of a lost lease keep-alive stream', async () => {
    const { frontend } = mesh.current;
    const logged = frontend.logs().length;
    assert.equal(await frontend.stop('SIGTERM'), 0);
    const stopLog = frontend.logs().slice(logged);
    assert.match(stopLog, /"msg":"sidecar stopped"/, 'the log is read to its end');
    assert.doesNotMatch(stopLog, /lease keep-alive stream lost/, 'a clean stop is not a lost stream');
  });
});

interface TypeView {
  inSync: boolean;
  sentVersion: string;
}

async function proxyTypes(controlPlane: ControlPlaneProcess, nodeId: string): Promise<Record<string, TypeView>> {
  const view = (await (await fetch(`http://${controlPlane.admin}/debug/proxies`)).json()) as {
    proxies: Array<{ nodeId: string; types: Record<string, TypeView> }>;
  };
  return view.proxies.find((proxy) => proxy.nodeId === nodeId)?.types ?? {};
}

describe('control plane restart warm-up', () => {
  const mesh = useTwoServiceMesh();

  it('serves endpoints only once the registry is back, so a sidecar never holds a partial endpoint set', async () => {
    const { frontend } = mesh.current;
    let { controlPlane } = mesh.current;
    // A second backend instance the test registers itself, so it decides when it comes back.
    const app = await startNamedApp('backend-2');
    mesh.current.apps.push(app);
    const instance = { service: 'backend', instance_id: 'backend-2', address: '127.0.0.1', port: app.port };
    let registry = registryClient(controlPlane.grpc);
    await register(registry, { instance, ttl_seconds: 60 });
    registry.close();
    const seen = new Set<string>();
    await waitFor(async () => {
      seen.add(servedBy(await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })));
      return seen.has('backend-1') && seen.has('backend-2');
    }, 'the frontend to route to both backends');
    const fullVersion = (await proxyTypes(controlPlane, 'sidecar~frontend-1.default')).EDS?.sentVersion;
    assert.ok(fullVersion);

    const [grpcHost, grpcPort] = controlPlane.grpc.split(':') as [string, string];
    await controlPlane.stop('SIGKILL');
    // Held types wait at most one default lease TTL: long enough here for the steps below.
    controlPlane = await startControlPlane(['--grpc-listen', `${grpcHost}:${grpcPort}`, '--default-ttl', '60']);
    mesh.current.controlPlane = controlPlane;
    await waitFor(
      async () => (await proxyTypes(controlPlane, 'sidecar~frontend-1.default')).LDS?.inSync === true,
      'the frontend to reconnect and ACK its listener (which the registry does not change)',
    );
    await waitFor(
      async () => (await proxyTypes(controlPlane, 'sidecar~backend-1.default')).LDS?.inSync === true,
      'backend-1 to reconnect',
    );
    await waitFor(
      async () =>
        JSON.stringify(await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()).includes(
          '"backend-1"',
        ),
      'backend-1 to register again',
    );
    const waiting = await proxyTypes(controlPlane, 'sidecar~frontend-1.default');
    assert.equal(waiting.EDS?.sentVersion, '', 'no endpoint set is sent while backend-2 is missing');

    registry = registryClient(controlPlane.grpc);
    const lease = await register(registry, { instance, ttl_seconds: 60 });
    await waitFor(
      async () => (await proxyTypes(controlPlane, 'sidecar~frontend-1.default')).EDS?.inSync === true,
      'the frontend to get and ACK its endpoints',
    );
    assert.equal((await proxyTypes(controlPlane, 'sidecar~frontend-1.default')).EDS?.sentVersion, fullVersion);
    for (const line of frontend
      .logs()
      .split('\n')
      .filter((l) => l.includes('xDS stream lost'))) {
      const { retryInMs } = JSON.parse(line) as { retryInMs: number };
      assert.ok(retryInMs <= 3000, `a reconnect waited ${retryInMs} ms`);
    }
    await deregister(registry, lease.lease_id ?? '');
    registry.close();
  });
});
