import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { addHealthService, NOT_SERVING, SERVING } from '../../../test/support/grpc-health.js';
import { HostRegistry } from '../upstream/host-registry.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';
import { EndpointHealth } from './endpoint-health.js';
import { DEFAULT_EXPECTED_STATUSES, HealthChecker, type HealthCheckConfig } from './health-checker.js';

const CONFIG: HealthCheckConfig = {
  path: '/healthz',
  grpc: undefined,
  authority: 'backend.default.svc.cluster.local',
  intervalMs: 20,
  timeoutMs: 200,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  expectedStatuses: DEFAULT_EXPECTED_STATUSES,
  retriableStatuses: [],
};

async function app(
  status: () => number,
): Promise<{ server: Server; port: number; requests: Array<{ url: string; host: string }> }> {
  const requests: Array<{ url: string; host: string }> = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', host: req.headers.host ?? '' });
    res.writeHead(status()).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function endpointOn(hosts: HostRegistry, port: number): ClusterEndpoint {
  const host = hosts.get('127.0.0.1', port, 500);
  return { host, hostname: 'app', healthStatus: 'HEALTHY', isHealthy: true, health: new EndpointHealth(host.key) };
}

describe('active health checks', () => {
  it('keeps a new endpoint out until its first probe passes, with the Host header and path configured', async (t) => {
    const hosts = new HostRegistry();
    const { server, port, requests } = await app(() => 200);
    const checker = new HealthChecker(CONFIG);
    t.after(async () => {
      checker.close();
      server.close();
      await hosts.closeAll();
    });
    const e = endpointOn(hosts, port);
    checker.attach([e], () => undefined);
    const health = e.health as EndpointHealth;
    assert.equal(health.isFailedActiveHc, true, 'failed until probed');
    assert.equal(health.isPendingActiveHc, true);
    await waitFor(() => !health.isFailedActiveHc, 'the first probe to pass');
    assert.equal(health.isPendingActiveHc, false);
    assert.deepEqual(requests[0], { url: '/healthz', host: 'backend.default.svc.cluster.local' });
  });

  it('marks a stopped server unhealthy after unhealthy_threshold failures and healthy again after healthy_threshold passes', async (t) => {
    const hosts = new HostRegistry();
    const started = await app(() => 200);
    const { port } = started;
    let { server } = started;
    const checker = new HealthChecker(CONFIG);
    t.after(async () => {
      checker.close();
      server.close();
      await hosts.closeAll();
    });
    const e = endpointOn(hosts, port);
    const verdicts: string[] = [];
    checker.attach([e], (_health, isPass, isChanged) => isChanged && verdicts.push(isPass ? 'healthy' : 'unhealthy'));
    const health = e.health as EndpointHealth;
    await waitFor(() => !health.isFailedActiveHc, 'healthy');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await waitFor(() => health.isFailedActiveHc, 'unhealthy');
    assert.ok(health.healthCheckFailures >= 2);
    const failuresWhenFailed = checker.stats.failures;
    assert.ok(failuresWhenFailed >= 2);
    server = createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await waitFor(() => !health.isFailedActiveHc, 'healthy again');
    assert.ok(health.healthCheckSuccesses >= 2, 'healthy_threshold passes in a row');
    assert.deepEqual(verdicts, ['healthy', 'unhealthy', 'healthy']);
  });

  it('marks an endpoint unhealthy at once on a status it does not expect, and counts a timeout as a failure', async (t) => {
    const hosts = new HostRegistry();
    let status = 200;
    const { server, port } = await app(() => status);
    const slow = createServer(() => undefined);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const checker = new HealthChecker({ ...CONFIG, unhealthyThreshold: 5, timeoutMs: 30 });
    t.after(async () => {
      checker.close();
      server.close();
      slow.closeAllConnections();
      slow.close();
      await hosts.closeAll();
    });
    const e = endpointOn(hosts, port);
    const stuck = endpointOn(hosts, (slow.address() as AddressInfo).port);
    const health = e.health as EndpointHealth;
    // The failures counted when the endpoint left (probes go on every 20 ms after that).
    let failuresWhenEjected: number | undefined;
    checker.attach([e, stuck], (changed, isPass, isAvailabilityChanged) => {
      if (changed === health && !isPass && isAvailabilityChanged) failuresWhenEjected ??= changed.healthCheckFailures;
    });
    await waitFor(() => !health.isFailedActiveHc, 'healthy');
    status = 503;
    await waitFor(() => health.isFailedActiveHc, 'unhealthy');
    assert.equal(failuresWhenEjected, 1, 'one 503 is enough');
    await waitFor(() => (stuck.health as EndpointHealth).healthCheckFailures >= 2, 'timeouts counted');
  });

  it('keeps probing an endpoint that stays across updates, and stops probing one that left', async (t) => {
    const hosts = new HostRegistry();
    const a = await app(() => 200);
    const b = await app(() => 200);
    const checker = new HealthChecker(CONFIG);
    t.after(async () => {
      checker.close();
      a.server.close();
      b.server.close();
      await hosts.closeAll();
    });
    const ea = endpointOn(hosts, a.port);
    const eb = endpointOn(hosts, b.port);
    checker.attach([ea, eb], () => undefined);
    await waitFor(() => !ea.health?.isFailedActiveHc && !eb.health?.isFailedActiveHc, 'both healthy');
    // The next version: same health object for a, b gone.
    checker.attach([{ ...ea }], () => undefined);
    assert.equal(ea.health?.isFailedActiveHc, false, 'a stays healthy, not pending again');
    await sleep(50);
    const probesOfB = b.requests.length;
    await sleep(100);
    assert.equal(b.requests.length, probesOfB, 'b is no longer probed');
    checker.close();
    const probesOfA = a.requests.length;
    await sleep(100);
    assert.ok(a.requests.length <= probesOfA + 1, 'close stops probing');
  });
});

/** A grpc-js server whose Health/Check answers `status()` for each service name asked. */
async function grpcHealthServer(
  status: (service: string) => number,
): Promise<{ server: grpc.Server; port: number; asked: string[] }> {
  const asked: string[] = [];
  const server = new grpc.Server();
  addHealthService(server, status, asked);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { server, port, asked };
}

describe('gRPC health checks', () => {
  const GRPC_CONFIG: HealthCheckConfig = { ...CONFIG, path: '', grpc: { serviceName: 'greeter.v1.Greeter' } };

  it('passes a SERVING server and fails a NOT_SERVING one, asking for the configured service name', async (t) => {
    const hosts = new HostRegistry();
    const serving = await grpcHealthServer(() => SERVING);
    const notServing = await grpcHealthServer(() => NOT_SERVING);
    const checker = new HealthChecker(GRPC_CONFIG);
    t.after(async () => {
      checker.close();
      serving.server.forceShutdown();
      notServing.server.forceShutdown();
      await hosts.closeAll();
    });
    const up = endpointOn(hosts, serving.port);
    const down = endpointOn(hosts, notServing.port);
    checker.attach([up, down], () => undefined);
    await waitFor(
      () => !up.health?.isFailedActiveHc && (down.health?.healthCheckFailures ?? 0) >= 2,
      'the probes of both',
    );
    assert.equal(down.health?.isFailedActiveHc, true, 'NOT_SERVING keeps it out');
    assert.deepEqual([...new Set(serving.asked)], ['greeter.v1.Greeter']);
  });

  it('fails a server without the health service (UNIMPLEMENTED) and one that goes NOT_SERVING', async (t) => {
    const hosts = new HostRegistry();
    let status = SERVING;
    const flipping = await grpcHealthServer(() => status);
    const bare = new grpc.Server();
    const barePort = await new Promise<number>((resolve, reject) =>
      bare.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    const checker = new HealthChecker(GRPC_CONFIG);
    t.after(async () => {
      checker.close();
      flipping.server.forceShutdown();
      bare.forceShutdown();
      await hosts.closeAll();
    });
    const e = endpointOn(hosts, flipping.port);
    const unimplemented = endpointOn(hosts, barePort);
    checker.attach([e, unimplemented], () => undefined);
    await waitFor(() => !e.health?.isFailedActiveHc, 'healthy');
    status = NOT_SERVING;
    await waitFor(() => e.health?.isFailedActiveHc === true, 'unhealthy once NOT_SERVING');
    assert.ok(
      (unimplemented.health?.healthCheckFailures ?? 0) >= 1 && unimplemented.health?.isFailedActiveHc === true,
      'no health service: never healthy',
    );
  });
});
