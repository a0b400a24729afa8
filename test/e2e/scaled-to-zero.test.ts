// A Route that splits or mirrors to services with no instance (scaled to zero, or not started yet)
// with a real control plane and sidecar: config stays valid and later edits apply, `pilotfish
// status` warns about each such service, and requests sent to one get a 503 naming its cluster.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startNamedApp } from '../support/apps.js';
import { servedBy } from '../support/http.js';
import { usePolicyMesh } from '../support/policy-mesh.js';
import { runCli, waitFor } from '../support/processes.js';
import { deregister } from '../support/registry-client.js';

const ARCHIVE = 'archive.default.svc.cluster.local';

const ROUTE = `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews }
spec:
  host: reviews
  rules:
    - match: [{ headers: { x-archive: { exact: "yes" } } }]
      destinations: [{ service: archive }]
    - destinations: [{ service: reviews }]
      mirror: { service: shadow }
      headers: { response: { add: { x-policy: scaled } } }
`;

const LIMITS = `apiVersion: pilotfish.dev/v1
kind: RateLimit
metadata: { name: reviews }
spec:
  host: reviews
  limits: [{ requests: 1000, per: 1s }]
`;

interface ConfigView {
  version: number;
  lastRejection: unknown;
  warnings: string[];
}

describe('a Route to services with no instances', () => {
  const mesh = usePolicyMesh();
  let archiveLease: string;
  const configView = async () =>
    (await (await fetch(`http://${mesh.current.controlPlane.admin}/debug/config`)).json()) as ConfigView;

  it('is applied while one of them has an instance, and routes to it', async () => {
    await mesh.current.addInstance('reviews', mesh.current.track(await startNamedApp('reviews-1')));
    archiveLease = await mesh.current.addInstance('archive', mesh.current.track(await startNamedApp('archive-1')));
    await mesh.current.applyConfig('route.yaml', ROUTE, '"scaled"');
    assert.equal(
      servedBy(await mesh.current.request('reviews', '/', { headers: { 'x-archive': 'yes' } })),
      'archive-1',
    );
    assert.equal(servedBy(await mesh.current.request('reviews')), 'reviews-1');
  });

  it('answers 503 naming the cluster once its last instance left, and keeps serving the rest', async () => {
    await deregister(mesh.current.registry, archiveLease);
    await waitFor(
      async () => (await mesh.current.request('reviews', '/', { headers: { 'x-archive': 'yes' } })).status === 503,
      'requests to archive refused',
    );
    const refused = await mesh.current.request('reviews', '/', { headers: { 'x-archive': 'yes' } });
    assert.match(refused.body, new RegExp(`no healthy endpoint for cluster "${ARCHIVE.replaceAll('.', '\\.')}"`));
    assert.equal(servedBy(await mesh.current.request('reviews')), 'reviews-1');
  });

  it('lets later, unrelated folder edits apply', async () => {
    const before = await configView();
    await writeFile(join(mesh.current.configDir, 'limits.yaml'), LIMITS);
    await waitFor(async () => (await configView()).version === before.version + 1, 'the RateLimit applied');
    assert.equal((await configView()).lastRejection, null);
  });

  it('shows a warning for each service with no instance in pilotfish status', async () => {
    const status = await runCli(['status', '--control-plane-admin', mesh.current.controlPlane.admin]);
    assert.equal(status.code, 0, status.stderr);
    const warnings = status.stdout.split('\n').filter((line) => line.startsWith('  WARNING '));
    assert.deepEqual(warnings, [
      `  WARNING route.yaml:8: Route "reviews": spec.rules[0].destinations[0].service: no instance of "archive" (${ARCHIVE}) is registered and no Service document declares it: requests to it get 503 until one registers`,
      '  WARNING route.yaml:10: Route "reviews": spec.rules[1].mirror.service: no instance of "shadow" (shadow.default.svc.cluster.local) is registered and no Service document declares it: requests to it get 503 until one registers',
    ]);
  });
});
