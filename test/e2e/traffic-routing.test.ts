// Route policies end to end: a Route file in the control plane's config folder changes how the
// calling sidecar routes — splits, header canaries, rewrites, header edits, faults, mirrors —
// within a second and without dropping a request.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApp, startNamedApp } from '../support/apps.js';
import { servedBy } from '../support/http.js';
import { countAnswers, REVIEWS_SUBSETS, startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { waitFor } from '../support/processes.js';

const REVIEWS = 'reviews.default.svc.cluster.local';

function route(spec: string): string {
  return `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews }
spec:
  host: reviews
${spec}`;
}

/** Counts the answers to `count` requests by who served them (or their status). */
function tally(
  mesh: PolicyMesh,
  count: number,
  options: { path?: string; headers?: Record<string, string> } = {},
  concurrency = 16,
): Promise<Map<string, number>> {
  return countAnswers(count, concurrency, async () => {
    const result = await mesh.request('reviews', options.path ?? '/', { headers: options.headers });
    return result.status === 200 ? servedBy(result) : String(result.status);
  });
}

describe('traffic routing policies', () => {
  let mesh: PolicyMesh;

  before(async () => {
    mesh = await startPolicyMesh();
    const v1 = mesh.track(await startNamedApp('reviews-v1'));
    const v2 = mesh.track(await startNamedApp('reviews-v2'));
    await mesh.addInstance('reviews', v1, { version: 'v1' });
    await mesh.addInstance('reviews', v2, { version: 'v2' });
    await mesh.waitForEndpoints(REVIEWS, 2);
    await mesh.applyConfig('reviews-subsets.yaml', REVIEWS_SUBSETS, `${REVIEWS}~v2`);
  });

  after(async () => {
    await mesh?.stop();
  });

  it('splits 90/10 between subsets, within 3 points over 2,000 requests', async () => {
    await mesh.applyConfig(
      'reviews-route.yaml',
      route(`  rules:
    - destinations:
        - { service: reviews, subset: v1, weight: 90 }
        - { service: reviews, subset: v2, weight: 10 }
`),
      'weighted_clusters',
    );
    const counts = await tally(mesh, 2000);
    const v2Share = ((counts.get('reviews-v2') ?? 0) / 2000) * 100;
    assert.equal(
      (counts.get('reviews-v1') ?? 0) + (counts.get('reviews-v2') ?? 0),
      2000,
      `every request answered: ${JSON.stringify([...counts])}`,
    );
    assert.ok(Math.abs(v2Share - 10) <= 3, `v2 got ${v2Share.toFixed(1)}% of requests`);
  });

  it('sends requests with the canary header to v2 and the rest to v1', async () => {
    await mesh.applyConfig(
      'reviews-route.yaml',
      route(`  rules:
    - match: [{ headers: { x-canary: { exact: "true" } } }]
      destinations: [{ service: reviews, subset: v2 }]
    - destinations: [{ service: reviews, subset: v1 }]
`),
      'x-canary',
    );
    assert.deepEqual([...(await tally(mesh, 40, { headers: { 'x-canary': 'true' } }))], [['reviews-v2', 40]]);
    assert.deepEqual([...(await tally(mesh, 40, { headers: { 'x-canary': 'false' } }))], [['reviews-v1', 40]]);
  });

  it('matches on path, method and query, and rewrites the prefix and host and edits headers', async () => {
    await mesh.applyConfig(
      'reviews-route.yaml',
      route(`  rules:
    - match: [{ path: { prefix: /api/v1/ }, method: GET, query: { debug: { present: true } } }]
      destinations: [{ service: reviews, subset: v2 }]
      rewrite: { prefix: /internal/, host: reviews.internal }
      headers:
        request: { add: { x-route: api-v1 }, remove: [x-secret] }
        response: { add: { x-served-route: api-v1 } }
    - destinations: [{ service: reviews, subset: v1 }]
`),
      'reviews.internal',
    );
    const rewritten = await mesh.request('reviews', '/api/v1/items?debug', { headers: { 'x-secret': 's3cret' } });
    const seen = JSON.parse(rewritten.body) as { name: string; url: string; headers: Record<string, string> };
    assert.equal(seen.name, 'reviews-v2');
    assert.equal(seen.url, '/internal/items?debug');
    assert.equal(seen.headers.host, 'reviews.internal');
    assert.equal(seen.headers['x-route'], 'api-v1');
    assert.equal(seen.headers['x-secret'], undefined);
    assert.equal(rewritten.headers['x-served-route'], 'api-v1');
    assert.equal(servedBy(await mesh.request('reviews', '/api/v1/items')), 'reviews-v1', 'without ?debug');
    assert.equal(
      servedBy(await mesh.request('reviews', '/api/v1/items?debug', { method: 'POST' })),
      'reviews-v1',
      'not a GET',
    );
  });

  it('injects aborts into the configured share of requests', async () => {
    await mesh.applyConfig(
      'reviews-route.yaml',
      route(`  rules:
    - destinations: [{ service: reviews, subset: v1 }]
      fault: { abort: { status: 418, percent: 30 } }
`),
      '"http_status": 418',
    );
    const counts = await tally(mesh, 1000);
    const aborted = ((counts.get('418') ?? 0) / 1000) * 100;
    assert.equal((counts.get('418') ?? 0) + (counts.get('reviews-v1') ?? 0), 1000, JSON.stringify([...counts]));
    assert.ok(Math.abs(aborted - 30) <= 5, `${aborted.toFixed(1)}% aborted`);
  });

  it('delays the configured share of requests', async () => {
    await mesh.applyConfig(
      'reviews-route.yaml',
      route(`  rules:
    - destinations: [{ service: reviews, subset: v1 }]
      fault: { delay: { fixed: 150ms, percent: 50 } }
`),
      '"fixed_delay"',
    );
    // 400 requests, 25 in flight: within 35–65% is six standard deviations of a fair coin.
    let delayed = 0;
    const caller = async () => {
      for (let i = 0; i < 16; i++) {
        const started = performance.now();
        assert.equal((await mesh.request('reviews')).status, 200);
        if (performance.now() - started >= 150) delayed++;
      }
    };
    await Promise.all(Array.from({ length: 25 }, caller));
    assert.ok(delayed >= 140 && delayed <= 260, `${delayed} of 400 delayed`);
  });

  it('mirrors copies to another service, never waiting for them', async () => {
    const held: Array<() => void> = [];
    const shadow = mesh.track(
      await startApp((req, res) => {
        req.resume();
        // The shadow answers only when the test lets it: callers must not wait for it.
        held.push(() => res.end('shadow'));
      }),
    );
    await mesh.addInstance('reviews-shadow', shadow);
    await mesh.waitForEndpoints('reviews-shadow.default.svc.cluster.local', 1);
    await mesh.applyConfig(
      'reviews-route.yaml',
      route(`  rules:
    - destinations: [{ service: reviews, subset: v1 }]
      mirror: { service: reviews-shadow, percent: 100 }
`),
      'runtime_fraction',
    );
    for (let i = 0; i < 5; i++) {
      const result = await mesh.request('reviews', '/mirrored', { method: 'POST', body: `copy ${i}` });
      assert.equal(servedBy(result), 'reviews-v1');
    }
    // Every request was answered while its copy still waits for the shadow; the copies arrive on the side.
    await waitFor(() => shadow.requests.length === 5, 'five copies at the shadow');
    assert.match(String(shadow.requests[0]?.headers.host), /^reviews-shadow/);
    for (const release of held) release();
  });

  it('takes a new policy within a second, dropping no request while it changes', async () => {
    await mesh.applyConfig(
      'reviews-route.yaml',
      route(
        `  rules:\n    - destinations: [{ service: reviews, subset: v1 }]\n      headers: { response: { add: { x-policy: one } } }\n`,
      ),
      '"one"',
    );
    const failures: number[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        const result = await mesh.request('reviews');
        if (result.status !== 200) failures.push(result.status);
      }
    })();
    const started = performance.now();
    await mesh.applyConfig(
      'reviews-route.yaml',
      route(
        `  rules:\n    - destinations: [{ service: reviews, subset: v2 }]\n      headers: { response: { add: { x-policy: two } } }\n`,
      ),
      '"two"',
    );
    const tookMs = performance.now() - started;
    running = false;
    await load;
    assert.deepEqual(failures, []);
    assert.ok(tookMs < 1000, `the change reached the sidecar after ${tookMs.toFixed(0)} ms`);
    assert.equal(servedBy(await mesh.request('reviews')), 'reviews-v2');
  });

  const badPolicies: Array<[what: string, rules: string, reason: RegExp]> = [
    [
      'an invalid regex',
      '    - match: [{ path: { regex: "/(?!admin).*" } }]\n      destinations: [{ service: reviews, subset: v1 }]\n',
      /spec\.rules\[0\]\.match\[0\]\.path\.regex: .*lookaround/,
    ],
    [
      'weights that do not sum to 100',
      '    - destinations: [{ service: reviews, subset: v1, weight: 80 }, { service: reviews, subset: v2, weight: 10 }]\n',
      /spec\.rules\[0\]\.destinations: weights sum to 90, must be 100/,
    ],
    [
      'an unknown subset',
      '    - destinations: [{ service: reviews, subset: v3 }]\n',
      /spec\.rules\[0\]\.destinations\[0\]\.subset: .*v3/,
    ],
    [
      'a negative timeout',
      '    - destinations: [{ service: reviews, subset: v1 }]\n      timeout: -1s\n',
      /spec\.rules\[0\]\.timeout: /,
    ],
  ];
  for (const [what, rules, reason] of badPolicies) {
    it(`rejects ${what}, naming the document and field, and keeps the policy in force`, async () => {
      await mesh.applyConfig(
        'reviews-route.yaml',
        route(
          `  rules:\n    - destinations: [{ service: reviews, subset: v2 }]\n      headers: { response: { add: { x-policy: good } } }\n`,
        ),
        '"good"',
      );
      await waitFor(async () => (await configView(mesh)).lastRejection === null, 'the good config accepted');
      await writeFile(join(mesh.configDir, 'reviews-route.yaml'), route(`  rules:\n${rules}`));
      const rejection = await waitForRejection(mesh);
      assert.match(rejection, /^reviews-route\.yaml:\d+: Route "reviews": /);
      assert.match(rejection, reason);
      const result = await mesh.request('reviews');
      assert.equal(servedBy(result), 'reviews-v2');
      assert.equal(result.headers['x-policy'], 'good');
    });
  }
});

interface ConfigView {
  lastRejection: { at: string; messages: string[] } | null;
}

async function configView(mesh: PolicyMesh): Promise<ConfigView> {
  return (await (await fetch(`http://${mesh.controlPlane.admin}/debug/config`)).json()) as ConfigView;
}

/** The messages of the control plane's rejection of the folder, once there is one. */
async function waitForRejection(mesh: PolicyMesh): Promise<string> {
  let messages: string[] = [];
  await waitFor(async () => {
    messages = (await configView(mesh)).lastRejection?.messages ?? [];
    return messages.length > 0;
  }, 'the control plane to reject the file');
  return messages.join('\n');
}
