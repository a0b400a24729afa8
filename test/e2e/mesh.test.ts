// The mesh end to end with real processes on loopback: control plane, sidecars, apps.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { useTwoServiceMesh } from '../support/mesh.js';
import { httpRequest, servedBy } from '../support/http.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';
import { deregister, register, registryClient } from '../support/registry-client.js';
import { issueSvid, mutualTlsRequest } from '../support/workload-certificates.js';

interface RegistryView {
  services: Array<{ name: string; instances: Array<{ instance_id: string }> }>;
}

async function registeredInstances(controlPlane: ControlPlaneProcess, service: string): Promise<string[]> {
  const view = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()) as RegistryView;
  return (view.services.find((s) => s.name === service)?.instances ?? []).map((i) => i.instance_id).sort();
}

describe('a request crosses the mesh', () => {
  const mesh = useTwoServiceMesh();

  it('goes from sidecar A outbound through sidecar B inbound to app B, for every host form', async () => {
    const { frontend } = mesh.current;
    for (const host of [
      'backend',
      'backend:8080',
      'backend.default',
      'backend.default.svc.cluster.local',
      'BACKEND.default.svc.cluster.local:80',
    ]) {
      const result = await httpRequest(frontend.outbound, '/hello?x=1', { headers: { host } });
      assert.equal(result.status, 200, `Host: ${host}`);
      const seen = JSON.parse(result.body) as { name: string; url: string; headers: Record<string, string> };
      assert.equal(seen.name, 'backend-1');
      assert.equal(seen.url, '/hello?x=1');
      assert.equal(seen.headers.host, host, 'the Host header reaches the app unchanged');
      assert.match(seen.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(seen.headers['x-forwarded-proto'], 'http');
      assert.ok(seen.headers['x-forwarded-for'], 'x-forwarded-for is set');
    }
  });

  it('routes absolute-form requests, so apps can use HTTP_PROXY', async () => {
    const { frontend } = mesh.current;
    const result = await httpRequest(frontend.outbound, 'http://backend:8080/via-proxy', {
      headers: { host: 'backend:8080' },
    });
    assert.equal(result.status, 200);
    assert.equal((JSON.parse(result.body) as { url: string }).url, '/via-proxy');
  });

  it('keeps a request id the app already set', async () => {
    const { frontend } = mesh.current;
    const result = await httpRequest(frontend.outbound, '/', {
      headers: { host: 'backend', 'x-request-id': 'abc-123' },
    });
    assert.equal((JSON.parse(result.body) as { headers: Record<string, string> }).headers['x-request-id'], 'abc-123');
  });

  it('answers 404 naming an unknown host', async () => {
    const { frontend } = mesh.current;
    const result = await httpRequest(frontend.outbound, '/', { headers: { host: 'nosuch' } });
    assert.equal(result.status, 404);
    assert.match(result.body, /nosuch/);
  });

  it('answers malformed HTTP with 400 and goes on serving', async () => {
    const { frontend } = mesh.current;
    const [host, port] = frontend.outbound.split(':') as [string, string];
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), host, () => socket.write('GARBAGE / HTTP/1.1\r\nHost: backend\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text)).on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.equal((await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).status, 200);
  });

  it('sends traffic to a second backend instance within 1 s of its registration', async () => {
    const { controlPlane, frontend } = mesh.current;
    const second = await startNamedApp('backend-2');
    mesh.current.apps.push(second);
    const registry = registryClient(controlPlane.grpc);
    const response = await register(registry, {
      instance: { service: 'backend', instance_id: 'backend-2', address: '127.0.0.1', port: second.port },
      ttl_seconds: 30,
    });
    const elapsed = await waitFor(
      async () => servedBy(await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })) === 'backend-2',
      'backend-2 to receive traffic',
      1000,
    );
    assert.ok(elapsed <= 1000);
    const served = new Set<string>();
    for (let i = 0; i < 10; i++)
      served.add(servedBy(await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })));
    assert.deepEqual([...served].sort(), ['backend-1', 'backend-2'], 'round robin over both instances');
    await deregister(registry, response.lease_id ?? '');
    registry.close();
  });

  it('shows services and proxies with their ACKed versions in pilotfish status', async () => {
    const { controlPlane } = mesh.current;
    const { execFile } = await import('node:child_process');
    const { cliPath } = await import('../support/processes.js');
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cliPath, 'status', '--control-plane-admin', controlPlane.admin], (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    assert.match(output, /default\s+backend\s+backend-1\s+127\.0\.0\.1:\d+\s+http/);
    assert.match(output, /PROXIES \(2 connected\)/);
    assert.match(
      output,
      /sidecar~frontend-1\.default\s+frontend\s+default\s+sidecar\s+127\.0\.0\.1:\d+\s+SYNCED \w+\s+SYNCED/,
    );

    const json = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [cliPath, 'status', '--json', '--control-plane-admin', controlPlane.admin],
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    const status = JSON.parse(json) as {
      registry: { services: Array<{ name: string }> };
      proxies: Array<{ nodeId: string; types: Record<string, { ackedVersion: string }> }>;
    };
    assert.deepEqual(status.registry.services.map((service) => service.name).sort(), ['backend', 'frontend']);
    const frontendProxy = status.proxies.find((proxy) => proxy.nodeId === 'sidecar~frontend-1.default');
    for (const type of ['CDS', 'EDS', 'LDS', 'RDS'])
      assert.ok(frontendProxy?.types[type]?.ackedVersion, `${type} ACKed version in --json`);
  });
});

describe('instances come and go', () => {
  let controlPlane: ControlPlaneProcess;
  const apps: TestApp[] = [];
  const sidecars: SidecarProcess[] = [];

  before(async () => {
    controlPlane = await startControlPlane();
  });

  after(async () => {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop('SIGKILL')));
    await Promise.all(apps.map((app) => app.close()));
    await controlPlane?.stop();
  });

  it('drops an instance whose sidecar was killed (SIGKILL) once its lease expires', async () => {
    const app = await startNamedApp('doomed-1');
    apps.push(app);
    const sidecar = await startSidecar({
      service: 'doomed',
      instanceId: 'doomed-1',
      appPort: app.port,
      controlPlane: controlPlane.grpc,
      leaseTtl: 2,
    });
    sidecars.push(sidecar);
    await waitFor(
      async () => (await registeredInstances(controlPlane, 'doomed')).includes('doomed-1'),
      'doomed-1 registered',
    );
    await sidecar.stop('SIGKILL');
    const killedAt = Date.now();
    await waitFor(
      async () => (await registeredInstances(controlPlane, 'doomed')).length === 0,
      'the lease to expire',
      5000,
    );
    const elapsed = Date.now() - killedAt;
    assert.ok(elapsed >= 500, `removed after ${elapsed} ms: only the lease's expiry removes a killed instance`);
  });

  it('deregisters at once on SIGTERM and finishes the request in flight', async () => {
    const { createServer } = await import('node:http');
    // The app holds the request until the test has seen the deregistration: it is in flight throughout.
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = createServer((_req, res) => {
      arrived();
      void released.then(() => res.end('slow done'));
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const port = (slow.address() as { port: number }).port;
    const sidecar = await startSidecar({
      service: 'slow',
      instanceId: 'slow-1',
      appPort: port,
      controlPlane: controlPlane.grpc,
      leaseTtl: 30,
    });
    sidecars.push(sidecar);
    await waitFor(
      async () => (await registeredInstances(controlPlane, 'slow')).includes('slow-1'),
      'slow-1 registered',
    );
    // As a peer's sidecar calls it: in mutual TLS, with a certificate of the mesh.
    const caller = await issueSvid(controlPlane.stateDir as string, 'frontend');
    const inFlight = mutualTlsRequest(sidecar.inbound, '/', caller, caller.ca, { host: 'slow' });
    await requestArrived;
    const stopped = sidecar.stop('SIGTERM');
    await waitFor(
      async () => (await registeredInstances(controlPlane, 'slow')).length === 0,
      'deregistration on SIGTERM',
      2000,
    );
    release();
    const result = await inFlight;
    assert.equal(result.status, 200);
    assert.equal(result.body, 'slow done');
    assert.equal(await stopped, 0, 'the sidecar exits cleanly');
    slow.close();
  });
});
