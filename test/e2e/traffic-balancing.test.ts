// Load balancing and endpoint health end to end: ring hash keeps a key on its instance and moves
// few keys when one leaves; outlier detection ejects a failing instance and takes it back after
// the ejection time; active health checks find a dead instance with no traffic flowing.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { startApp, startNamedApp, type TestApp } from '../support/apps.js';
import { servedBy } from '../support/http.js';
import { usePolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { waitFor } from '../support/processes.js';
import { deregister } from '../support/registry-client.js';

function fqdn(service: string): string {
  return `${service}.default.svc.cluster.local`;
}

function destinationPolicy(service: string, spec: string): string {
  return `apiVersion: pilotfish.dev/v1
kind: DestinationPolicy
metadata: { name: ${service} }
spec:
  host: ${service}
${spec}`;
}

interface EndpointStatus {
  hostname: string;
  health_flags: string;
}

async function endpointsOf(mesh: PolicyMesh, cluster: string): Promise<EndpointStatus[]> {
  const { clusters } = (await (await fetch(`http://${mesh.client.admin}/clusters?format=json`)).json()) as {
    clusters: Array<{ name: string; endpoints: EndpointStatus[] }>;
  };
  return clusters.find((entry) => entry.name === cluster)?.endpoints ?? [];
}

describe('load balancing and endpoint health', () => {
  const holder = usePolicyMesh();
  let mesh: PolicyMesh;
  const track = <T extends TestApp>(app: T): T => mesh.track(app);

  before(() => {
    mesh = holder.current;
  });

  it("sends a key to the same instance, and moves only the departed instance's keys when one leaves", async () => {
    const leases: string[] = [];
    for (let i = 1; i <= 4; i++)
      leases.push(await mesh.addInstance('sticky', track(await startNamedApp(`sticky-${i}`))));
    await mesh.waitForEndpoints(fqdn('sticky'), 4);
    await mesh.applyConfig(
      'sticky.yaml',
      destinationPolicy('sticky', '  loadBalancer: { policy: ring_hash, hashOn: { header: x-user } }\n'),
      'RING_HASH',
    );
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const placement = async () => {
      const placed = new Map<string, string>();
      for (const key of keys)
        placed.set(key, servedBy(await mesh.request('sticky', '/', { headers: { 'x-user': key } })));
      return placed;
    };
    const first = await placement();
    assert.deepEqual(await placement(), first, 'every key went to the same instance again');
    assert.ok(new Set(first.values()).size === 4, 'keys spread over all four instances');
    await deregister(mesh.registry, leases[0] as string);
    await mesh.waitForEndpoints(fqdn('sticky'), 3);
    const second = await placement();
    const moved = keys.filter((key) => first.get(key) !== second.get(key));
    assert.ok(
      moved.every((key) => first.get(key) === 'sticky-1'),
      'only keys of the departed instance moved',
    );
    assert.ok(moved.length >= 20 && moved.length <= 90, `${moved.length} of 200 keys moved (about a quarter expected)`);
  });

  it('ejects an instance after consecutive 5xx and returns it after the ejection time', async () => {
    let isBroken = true;
    const flappy = track(
      await startApp((req, res) => {
        req.resume();
        if (isBroken) res.writeHead(500).end('broken');
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'flappy-2' }));
      }),
    );
    await mesh.addInstance('flappy', track(await startNamedApp('flappy-1')));
    await mesh.addInstance('flappy', flappy);
    await mesh.waitForEndpoints(fqdn('flappy'), 2);
    await mesh.applyConfig(
      'flappy.yaml',
      destinationPolicy(
        'flappy',
        '  outlierDetection: { consecutive5xx: 3, interval: 200ms, baseEjectionTime: 1s, maxEjectionPercent: 50 }\n',
      ),
      'outlier_detection',
    );
    for (let i = 0; i < 10; i++) await mesh.request('flappy');
    const seen = flappy.requests.length;
    assert.equal(seen, 3, 'the failing instance got requests until its third 5xx in a row');
    await waitFor(
      async () =>
        (await endpointsOf(mesh, fqdn('flappy'))).some((endpoint) =>
          endpoint.health_flags.includes('/failed_outlier_check'),
        ),
      'the ejection in /clusters',
    );
    for (let i = 0; i < 10; i++) assert.equal(servedBy(await mesh.request('flappy')), 'flappy-1');
    isBroken = false;
    await waitFor(
      async () => servedBy(await mesh.request('flappy')) === 'flappy-2',
      'the instance back after its ejection time',
      5000,
    );
  });

  it('marks a dead instance unhealthy by active health checks, with no traffic flowing', async () => {
    let isHealthy = true;
    const patient = track(
      await startApp((req, res) => {
        req.resume();
        res.writeHead(isHealthy ? 200 : 503).end();
      }),
    );
    await mesh.addInstance('checked', track(await startNamedApp('checked-1')));
    await mesh.addInstance('checked', patient);
    await mesh.waitForEndpoints(fqdn('checked'), 2);
    await mesh.applyConfig(
      'checked.yaml',
      destinationPolicy(
        'checked',
        '  healthCheck: { path: /healthz, interval: 100ms, timeout: 500ms, healthyThreshold: 1, unhealthyThreshold: 2 }\n',
      ),
      '"http_health_check"',
    );
    await waitFor(async () => patient.requests.some((request) => request.url === '/healthz'), 'a health check probe');
    isHealthy = false;
    await waitFor(
      async () =>
        (await endpointsOf(mesh, fqdn('checked'))).some((endpoint) =>
          endpoint.health_flags.includes('/failed_active_hc'),
        ),
      'the failed health check in /clusters',
    );
    assert.ok(
      patient.requests.every((request) => request.url === '/healthz'),
      'no request but probes reached it',
    );
    for (let i = 0; i < 6; i++) assert.equal(servedBy(await mesh.request('checked')), 'checked-1');
    isHealthy = true;
    await waitFor(
      async () => (await endpointsOf(mesh, fqdn('checked'))).every((endpoint) => endpoint.health_flags === 'healthy'),
      'the instance healthy again',
    );
  });
});
