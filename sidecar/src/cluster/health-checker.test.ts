import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { addHealthService, NOT_SERVING, SERVING } from '../../../test/support/grpc-health.js';
import { HostRegistry } from '../upstream/host-registry.js';
import { ClusterEndpoint } from './cluster-endpoint.js';
import { EndpointHealth } from './endpoint-health.js';
import {
  DEFAULT_EXPECTED_STATUSES,
  HealthChecker,
  type HealthCheckConfig,
  type ProbeTimers,
} from './health-checker.js';

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

/** The checker's clock: time moves only when a test says, so every probe is one the test sent. */
class ManualTimers implements ProbeTimers {
  #now = 0;
  #nextId = 0;
  readonly #pending = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, delayMs: number): number {
    this.#pending.set(++this.#nextId, { at: this.#now + delayMs, callback });
    return this.#nextId;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Moves the clock `ms` on, running what falls due in time order. */
  advance(ms: number): void {
    this.#now += ms;
    for (;;) {
      const due = [...this.#pending].filter(([, timer]) => timer.at <= this.#now).sort(([, a], [, b]) => a.at - b.at);
      const first = due[0];
      if (first === undefined) return;
      this.#pending.delete(first[0]);
      first[1].callback();
    }
  }

  get pendingCount(): number {
    return this.#pending.size;
  }
}

/** The probe results a checker reports (its onChange), to wait on the one a test caused. */
class Results {
  readonly seen: Array<{ health: EndpointHealth; isPass: boolean; isAvailabilityChanged: boolean }> = [];
  #waiters: Array<() => void> = [];

  readonly onChange = (health: EndpointHealth, isPass: boolean, isAvailabilityChanged: boolean): void => {
    this.seen.push({ health, isPass, isAvailabilityChanged });
    for (const wake of this.#waiters.splice(0)) wake();
  };

  /** Waits until `count` results for `endpoint` have come in all. */
  async count(endpoint: ClusterEndpoint, count: number): Promise<void> {
    while (this.seen.filter((result) => result.health === endpoint.health).length < count)
      await new Promise<void>((wake) => this.#waiters.push(wake));
  }
}

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

function endpointOn(hosts: HostRegistry, port: number): ClusterEndpoint {
  const host = hosts.get('127.0.0.1', port, 500);
  const endpoint = new ClusterEndpoint(host, 'app', 'HEALTHY');
  endpoint.health = new EndpointHealth(host.key);
  return endpoint;
}

const healthOf = (endpoint: ClusterEndpoint): EndpointHealth => endpoint.health as EndpointHealth;

describe('active health checks', () => {
  it('keeps a new endpoint out until its first probe passes, with the Host header and path configured', async (t) => {
    const hosts = new HostRegistry();
    const { server, port, requests } = await app(() => 200);
    const timers = new ManualTimers();
    const checker = new HealthChecker(CONFIG, timers);
    t.after(async () => {
      checker.close();
      server.close();
      await hosts.closeAll();
    });
    const e = endpointOn(hosts, port);
    const results = new Results();
    checker.attach([e], results.onChange);
    assert.equal(healthOf(e).isFailedActiveHc, true, 'failed until probed');
    assert.equal(healthOf(e).isPendingActiveHc, true);
    timers.advance(0);
    await results.count(e, 1);
    assert.equal(healthOf(e).isFailedActiveHc, false, 'one pass takes a pending endpoint in');
    assert.equal(healthOf(e).isPendingActiveHc, false);
    assert.deepEqual(requests, [{ url: '/healthz', host: 'backend.default.svc.cluster.local' }]);
  });

  it('marks a stopped server unhealthy after unhealthy_threshold failures and healthy again after healthy_threshold passes', async (t) => {
    const hosts = new HostRegistry();
    const started = await app(() => 200);
    const { port } = started;
    let { server } = started;
    const timers = new ManualTimers();
    const checker = new HealthChecker(CONFIG, timers);
    t.after(async () => {
      checker.close();
      server.close();
      await hosts.closeAll();
    });
    const e = endpointOn(hosts, port);
    const results = new Results();
    checker.attach([e], results.onChange);
    timers.advance(0);
    await results.count(e, 1);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    timers.advance(CONFIG.intervalMs);
    await results.count(e, 2);
    assert.equal(healthOf(e).isFailedActiveHc, false, 'one failure of two keeps it in');
    timers.advance(CONFIG.intervalMs);
    await results.count(e, 3);
    assert.equal(healthOf(e).isFailedActiveHc, true, 'unhealthy_threshold (2) failures take it out');
    server = createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    timers.advance(CONFIG.intervalMs);
    await results.count(e, 4);
    assert.equal(healthOf(e).isFailedActiveHc, true, 'one pass of two leaves it out');
    timers.advance(CONFIG.intervalMs);
    await results.count(e, 5);
    assert.equal(healthOf(e).isFailedActiveHc, false, 'healthy_threshold (2) passes in a row bring it back');
    assert.deepEqual(
      results.seen.filter((result) => result.isAvailabilityChanged).map((result) => result.isPass),
      [true, false, true],
    );
    assert.deepEqual(checker.stats, { attempts: 5, successes: 3, failures: 2 });
  });

  it('marks an endpoint unhealthy at once on a status it does not expect, and counts a timeout as a failure', async (t) => {
    const hosts = new HostRegistry();
    let status = 200;
    const { server, port } = await app(() => status);
    const slow = createServer(() => undefined);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const timers = new ManualTimers();
    const checker = new HealthChecker({ ...CONFIG, unhealthyThreshold: 5, timeoutMs: 30 }, timers);
    t.after(async () => {
      checker.close();
      server.close();
      slow.closeAllConnections();
      slow.close();
      await hosts.closeAll();
    });
    const e = endpointOn(hosts, port);
    const stuck = endpointOn(hosts, (slow.address() as AddressInfo).port);
    const results = new Results();
    checker.attach([e, stuck], results.onChange);
    timers.advance(0);
    await results.count(e, 1);
    assert.equal(healthOf(e).isFailedActiveHc, false);
    status = 503;
    // The stuck probe's 30 ms timeout passes first: a failure.
    timers.advance(30);
    await results.count(stuck, 1);
    assert.equal(healthOf(stuck).healthCheckFailures, 1, 'a timeout is a failure');
    timers.advance(CONFIG.intervalMs);
    await results.count(e, 2);
    assert.equal(healthOf(e).isFailedActiveHc, true, 'one 503 is enough');
    assert.equal(healthOf(e).healthCheckFailures, 1);
  });

  it('keeps probing an endpoint that stays across updates, and stops probing one that left', async (t) => {
    const hosts = new HostRegistry();
    const a = await app(() => 200);
    const b = await app(() => 200);
    const timers = new ManualTimers();
    const checker = new HealthChecker(CONFIG, timers);
    t.after(async () => {
      checker.close();
      a.server.close();
      b.server.close();
      await hosts.closeAll();
    });
    const ea = endpointOn(hosts, a.port);
    const eb = endpointOn(hosts, b.port);
    const results = new Results();
    checker.attach([ea, eb], results.onChange);
    timers.advance(0);
    await Promise.all([results.count(ea, 1), results.count(eb, 1)]);
    // The next version: same health object for a, b gone.
    checker.attach([{ ...ea }], results.onChange);
    assert.equal(healthOf(ea).isFailedActiveHc, false, 'a stays healthy, not pending again');
    assert.equal(timers.pendingCount, 1, "only a's next probe is scheduled");
    timers.advance(CONFIG.intervalMs);
    await results.count(ea, 2);
    assert.deepEqual([a.requests.length, b.requests.length], [2, 1], 'b is no longer probed');
    checker.close();
    assert.equal(timers.pendingCount, 0, 'close stops probing');
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
    const timers = new ManualTimers();
    const checker = new HealthChecker(GRPC_CONFIG, timers);
    t.after(async () => {
      checker.close();
      serving.server.forceShutdown();
      notServing.server.forceShutdown();
      await hosts.closeAll();
    });
    const up = endpointOn(hosts, serving.port);
    const down = endpointOn(hosts, notServing.port);
    const results = new Results();
    checker.attach([up, down], results.onChange);
    timers.advance(0);
    await Promise.all([results.count(up, 1), results.count(down, 1)]);
    assert.equal(healthOf(up).isFailedActiveHc, false, 'SERVING passes');
    assert.equal(healthOf(down).isFailedActiveHc, true, 'NOT_SERVING keeps it out');
    assert.equal(healthOf(down).healthCheckFailures, 1);
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
    const timers = new ManualTimers();
    const checker = new HealthChecker(GRPC_CONFIG, timers);
    t.after(async () => {
      checker.close();
      flipping.server.forceShutdown();
      bare.forceShutdown();
      await hosts.closeAll();
    });
    const e = endpointOn(hosts, flipping.port);
    const unimplemented = endpointOn(hosts, barePort);
    const results = new Results();
    checker.attach([e, unimplemented], results.onChange);
    timers.advance(0);
    await Promise.all([results.count(e, 1), results.count(unimplemented, 1)]);
    assert.equal(healthOf(e).isFailedActiveHc, false, 'healthy');
    assert.equal(healthOf(unimplemented).isFailedActiveHc, true, 'no health service: never healthy');
    status = NOT_SERVING;
    timers.advance(GRPC_CONFIG.intervalMs);
    await results.count(e, 2);
    timers.advance(GRPC_CONFIG.intervalMs);
    await results.count(e, 3);
    assert.equal(healthOf(e).isFailedActiveHc, true, 'unhealthy once NOT_SERVING (unhealthy_threshold 2)');
  });
});
