// Rate limits end to end: a RateLimit for a service is enforced by that service's own sidecar
// (inbound), with token buckets for the whole service, per calling service, or per header value.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { sample, scrape } from '../support/metrics.js';
import { startSidecar, waitFor, type SidecarProcess } from '../support/processes.js';

function rateLimit(limits: string): string {
  return `apiVersion: pilotfish.dev/v1
kind: RateLimit
metadata: { name: quota }
spec:
  host: quota
  limits:
${limits}`;
}

describe('rate limits', () => {
  let mesh: PolicyMesh;
  let app: TestApp;
  let quota: SidecarProcess;

  before(async () => {
    mesh = await startPolicyMesh();
    app = await startNamedApp('quota-1');
    quota = await startSidecar({ service: 'quota', appPort: app.port, controlPlane: mesh.controlPlane.grpc });
    await mesh.waitForEndpoints('quota.default.svc.cluster.local', 1);
  });

  after(async () => {
    await quota?.stop();
    await mesh?.stop();
    await app?.close();
  });

  async function answers(count: number, headers: Record<string, string> = {}) {
    const results = [];
    for (let i = 0; i < count; i++) results.push(await mesh.request('quota', '/', { headers }));
    return results;
  }

  /** Waits until the destination's sidecar holds the limit, without spending its tokens. */
  async function applyLimit(yaml: string, marker: string): Promise<void> {
    await mesh.applyConfig('quota.yaml', yaml, 'quota');
    await waitFor(
      async () => (await (await fetch(`http://${quota.admin}/config_dump`)).text()).includes(marker),
      `the quota sidecar to hold ${marker}`,
    );
  }

  it('lets exactly the configured number through per window, then answers 429 with retry-after and x-ratelimit headers, and counts the refusals', async () => {
    await applyLimit(rateLimit('    - { requests: 5, per: 30s }\n'), '"max_tokens": 5');
    const refusals = { reporter: 'destination', destination_service: 'quota.default.svc.cluster.local' };
    const before = sample(await scrape(quota.admin), 'pilotfish_sidecar_rate_limited_total', refusals);
    const results = await answers(12);
    assert.deepEqual(
      results.map((result) => result.status),
      [200, 200, 200, 200, 200, 429, 429, 429, 429, 429, 429, 429],
    );
    const refused = results[5];
    assert.ok(Number(refused?.headers['retry-after']) >= 1, 'retry-after in seconds');
    assert.equal(refused?.headers['x-ratelimit-limit'], '5');
    assert.equal(refused?.headers['x-ratelimit-remaining'], '0');
    assert.ok(Number(refused?.headers['x-ratelimit-reset']) >= 1);
    assert.equal(app.requests.length, 5, 'refused requests never reached the app');
    assert.equal(sample(await scrape(quota.admin), 'pilotfish_sidecar_rate_limited_total', refusals) - before, 7);
  });

  it('keeps a bucket per header value', async () => {
    await applyLimit(rateLimit('    - { requests: 3, per: 30s, key: { header: x-api-key } }\n'), 'x-api-key');
    const statuses = async (key: string) => (await answers(5, { 'x-api-key': key })).map((result) => result.status);
    assert.deepEqual(await statuses('team-a'), [200, 200, 200, 429, 429]);
    assert.deepEqual(await statuses('team-b'), [200, 200, 200, 429, 429]);
  });

  it("keeps a bucket per calling service, named by the caller's sidecar", async () => {
    await applyLimit(rateLimit('    - { requests: 2, per: 30s, key: { source: true } }\n'), 'x-pilotfish-source');
    // A caller cannot pose as another service: its sidecar replaces the header.
    const results = await answers(4, { 'x-pilotfish-source': 'someone-else' });
    assert.deepEqual(
      results.map((result) => result.status),
      [200, 200, 429, 429],
    );
    const seen = app.requests.at(-1)?.headers['x-pilotfish-source'];
    assert.equal(seen, 'client');
  });
});
