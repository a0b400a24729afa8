// Resilience policies end to end, against scripted instances: retries hide a failing instance
// (GETs only, unless the policy says otherwise) within a budget, timeouts answer 504, per-try
// timeouts move on to a healthy instance, circuit breakers shed load with the overflow flag.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { startApp, startNamedApp, type TestApp } from '../support/apps.js';
import { servedBy } from '../support/http.js';
import { sample, scrape } from '../support/metrics.js';
import { countAnswers, usePolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';

function fqdn(service: string): string {
  return `${service}.default.svc.cluster.local`;
}

function failing(status: number, delayMs = 0): Promise<TestApp> {
  return startApp((req, res) => {
    req.resume();
    setTimeout(() => res.writeHead(status).end('failed'), delayMs);
  });
}

function slow(name: string, delayMs: number): Promise<TestApp> {
  return startApp((req, res) => {
    req.resume();
    const timer = setTimeout(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name })),
      delayMs,
    );
    res.on('close', () => clearTimeout(timer));
  });
}

function policies(service: string, route: string, destination = ''): string {
  return `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: ${service} }
spec:
  host: ${service}
  rules:
    - destinations: [{ service: ${service} }]
${route}${
    destination === ''
      ? ''
      : `---
apiVersion: pilotfish.dev/v1
kind: DestinationPolicy
metadata: { name: ${service} }
spec:
  host: ${service}
${destination}`
  }`;
}

function statuses(
  mesh: PolicyMesh,
  host: string,
  count: number,
  method = 'GET',
  concurrency = 1,
): Promise<Map<number, number>> {
  return countAnswers(
    count,
    concurrency,
    async () => (await mesh.request(host, '/', { method, body: method === 'GET' ? undefined : 'payload' })).status,
  );
}

describe('resilience policies', () => {
  const holder = usePolicyMesh();
  let mesh: PolicyMesh;
  const track = <T extends TestApp>(app: T): T => mesh.track(app);

  before(() => {
    mesh = holder.current;
  });

  // Istio's default retries (MeshConfig defaultRetries): no Route needed.
  it('hides a killed instance of three from callers without any Route, POSTs included', async () => {
    const killed = track(await startNamedApp('steady-2'));
    await mesh.addInstance('steady', track(await startNamedApp('steady-1')));
    await mesh.addInstance('steady', killed);
    await mesh.addInstance('steady', track(await startNamedApp('steady-3')));
    await mesh.waitForEndpoints(fqdn('steady'), 3);
    await killed.close();
    assert.deepEqual([...(await statuses(mesh, 'steady', 60, 'GET', 3))], [[200, 60]]);
    assert.deepEqual([...(await statuses(mesh, 'steady', 30, 'POST'))], [[200, 30]]);
    const metrics = await scrape(mesh.client.admin);
    assert.ok(
      sample(metrics, 'pilotfish_sidecar_upstream_retries_total', { cluster_name: fqdn('steady') }) > 0,
      'attempts on the killed instance were retried elsewhere',
    );
  });

  describe('retries', () => {
    let broken: TestApp;

    before(async () => {
      broken = track(await failing(500));
      await mesh.addInstance('flaky', track(await startNamedApp('flaky-1')));
      await mesh.addInstance('flaky', broken);
      await mesh.addInstance('flaky', track(await startNamedApp('flaky-3')));
      await mesh.waitForEndpoints(fqdn('flaky'), 3);
      await mesh.applyConfig(
        'flaky.yaml',
        policies('flaky', '      retries: { attempts: 2, retryOn: [5xx], backoff: { base: 5ms, max: 20ms } }\n'),
        '"retry_on": "5xx"',
      );
    });

    // Three callers at a time: never more retries in flight than the default limit of 3.
    it('turns one always-failing instance of three into zero errors for GETs', async () => {
      assert.deepEqual([...(await statuses(mesh, 'flaky', 300, 'GET', 3))], [[200, 300]]);
      assert.ok(broken.requests.length > 0, 'the failing instance was tried');
      const metrics = await scrape(mesh.client.admin);
      assert.equal(
        sample(metrics, 'pilotfish_sidecar_upstream_retries_total', { cluster_name: fqdn('flaky') }),
        broken.requests.length,
        'each failed attempt was retried once, and counted',
      );
    });

    it('does not retry a POST unless the policy says so', async () => {
      const before = broken.requests.length;
      const counts = await statuses(mesh, 'flaky', 60, 'POST');
      const failed = counts.get(500) ?? 0;
      assert.ok(failed > 0, `some POSTs reached the failing instance and failed: ${JSON.stringify([...counts])}`);
      assert.equal(broken.requests.length - before, failed, 'each failed POST was sent once, never again');
      await mesh.applyConfig(
        'flaky.yaml',
        policies(
          'flaky',
          '      retries: { attempts: 2, retryOn: [5xx], retryNonIdempotent: true, backoff: { base: 6ms, max: 20ms } }\n',
        ),
        '"nanos": 6000000',
      );
      assert.deepEqual([...(await statuses(mesh, 'flaky', 60, 'POST'))], [[200, 60]]);
    });
  });

  it('caps retries with the retry budget when every instance fails', async () => {
    const outage = [track(await failing(503, 100)), track(await failing(503, 100))];
    for (const app of outage) await mesh.addInstance('down', app);
    await mesh.waitForEndpoints(fqdn('down'), 2);
    await mesh.applyConfig(
      'down.yaml',
      policies(
        'down',
        '      retries: { attempts: 3, retryOn: [5xx], backoff: { base: 5ms, max: 10ms } }\n',
        '  connectionPool: { retryBudget: { percent: 10, minRetryConcurrency: 2 } }\n',
      ),
      'retry_budget',
    );
    const counts = await statuses(mesh, 'down', 40, 'GET', 40);
    assert.deepEqual([...counts], [[503, 40]]);
    const attempts = outage.reduce((sum, app) => sum + app.requests.length, 0);
    // Unbudgeted, 40 requests with 3 retries each would make 160 attempts; the budget allows about
    // max(2, 10% of 40) concurrent retries.
    assert.ok(attempts - 40 <= 20, `${attempts - 40} retries`);
  });

  describe('timeouts', () => {
    it('answers 504 when the route timeout passes', async () => {
      await mesh.addInstance('sluggish', track(await slow('sluggish-1', 3000)));
      await mesh.waitForEndpoints(fqdn('sluggish'), 1);
      await mesh.applyConfig('sluggish.yaml', policies('sluggish', '      timeout: 300ms\n'), '"timeout"');
      const result = await mesh.request('sluggish');
      assert.equal(result.status, 504);
      assert.match(result.body, /upstream request timeout/);
    });

    it('moves on to another instance when the per-try timeout passes', async () => {
      await mesh.addInstance('mixed', track(await slow('mixed-slow', 3000)));
      await mesh.addInstance('mixed', track(await startNamedApp('mixed-fast')));
      await mesh.waitForEndpoints(fqdn('mixed'), 2);
      await mesh.applyConfig(
        'mixed.yaml',
        policies(
          'mixed',
          '      timeout: 2s\n      retries: { attempts: 1, perTryTimeout: 200ms, retryOn: [reset] }\n',
        ),
        'per_try_timeout',
      );
      for (let i = 0; i < 6; i++) assert.equal(servedBy(await mesh.request('mixed')), 'mixed-fast');
    });
  });

  it('answers 503 with the overflow flag beyond the connection pool limits, and recovers', async () => {
    await mesh.addInstance('busy', track(await slow('busy-1', 300)));
    await mesh.waitForEndpoints(fqdn('busy'), 1);
    await mesh.applyConfig(
      'busy.yaml',
      policies('busy', '', '  connectionPool: { maxConnections: 2, maxPendingRequests: 1, maxRequests: 3 }\n'),
      '"max_pending_requests"',
    );
    const results = await Promise.all(Array.from({ length: 10 }, () => mesh.request('busy')));
    const overflowed = results.filter((result) => result.status === 503);
    assert.equal(results.filter((result) => result.status === 200).length, 3);
    assert.equal(overflowed.length, 7);
    for (const result of overflowed) assert.equal(result.headers['x-envoy-overloaded'], 'true');
    assert.equal((await mesh.request('busy')).status, 200, 'recovered once the load is gone');
  });
});
