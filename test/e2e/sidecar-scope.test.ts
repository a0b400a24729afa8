// Sidecar scoping end to end: a Sidecar document limits a real sidecar to the services its app
// calls — it then holds only their clusters, and a call to any other service is answered 404 —
// and removing the document gives the sidecar the whole namespace back. Of its group's listeners,
// a sidecar is sent and holds only those it serves.
import assert from 'node:assert/strict';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNamedApp } from '../support/apps.js';
import { servedBy } from '../support/http.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { waitFor } from '../support/processes.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const RATINGS = 'ratings.default.svc.cluster.local';
const CLIENT_SIDECAR = `apiVersion: pilotfish.dev/v1
kind: Sidecar
metadata: { name: client }
spec:
  workloadSelector: { service: client }
  egress: [{ hosts: [./reviews] }]
`;

describe('a sidecar scoped by a Sidecar document', () => {
  let mesh: PolicyMesh;
  const clusterNames = async () => {
    const { clusters } = (await (await fetch(`http://${mesh.client.admin}/clusters?format=json`)).json()) as {
      clusters: Array<{ name: string }>;
    };
    // Its own app's cluster (inbound|PORT) is local, not the control plane's.
    return clusters
      .map((cluster) => cluster.name)
      .filter((name) => !name.startsWith('inbound|'))
      .sort();
  };

  before(async () => {
    mesh = await startPolicyMesh();
    await mesh.addInstance('reviews', mesh.track(await startNamedApp('reviews-1')));
    await mesh.addInstance('ratings', mesh.track(await startNamedApp('ratings-1')));
    await mesh.waitForEndpoints(RATINGS, 1);
  });

  after(async () => {
    await mesh?.stop();
  });

  it('holds only the clusters its egress hosts allow, and answers 404 naming any other service', async () => {
    await writeFile(join(mesh.configDir, 'client-sidecar.yaml'), CLIENT_SIDECAR);
    await waitFor(async () => !(await clusterNames()).includes(RATINGS), 'the client sidecar to drop ratings');
    assert.deepEqual(await clusterNames(), [REVIEWS]);

    const reviews = await mesh.request('reviews');
    assert.equal(reviews.status, 200);
    assert.equal(servedBy(reviews), 'reviews-1');
    const ratings = await mesh.request('ratings');
    assert.equal(ratings.status, 404);
    assert.match(ratings.body, /no route for host "ratings"/);
  });

  it('the control plane shows the scoped group with only those clusters', async () => {
    const { groups } = (await (await fetch(`http://${mesh.controlPlane.admin}/debug/snapshots`)).json()) as {
      groups: Array<{ group: string; types: Record<string, { resources: string[] }> }>;
    };
    const scoped = groups.find((entry) => entry.group === 'sidecar:default/client');
    assert.deepEqual(scoped?.types.CDS?.resources, [REVIEWS]);
  });

  it('gets the whole namespace back when the Sidecar is removed', async () => {
    await unlink(join(mesh.configDir, 'client-sidecar.yaml'));
    await waitFor(async () => (await clusterNames()).includes(RATINGS), 'the client sidecar to hold ratings again');
    await waitFor(async () => (await mesh.request('ratings')).status === 200, 'ratings routable again');
  });

  it("is sent, of its group's listeners, only outbound and its own inbound listener, and holds those", async () => {
    const { groups } = (await (await fetch(`http://${mesh.controlPlane.admin}/debug/snapshots`)).json()) as {
      groups: Array<{ group: string; types: Record<string, { resources: string[] }> }>;
    };
    const inGroup = groups.find((entry) => entry.group === 'default')?.types.LDS?.resources ?? [];
    for (const other of ['inbound|reviews.default.svc.cluster.local', 'reviews'])
      assert.ok(inGroup.includes(other), `the group holds ${other}: ${inGroup.join(', ')}`);
    const { proxies } = (await (await fetch(`http://${mesh.controlPlane.admin}/debug/proxies`)).json()) as {
      proxies: Array<{ service: string; role: string; types: { LDS?: { sentResources: number } } }>;
    };
    const client = proxies.find((proxy) => proxy.service === 'client' && proxy.role === 'sidecar');
    assert.equal(client?.types.LDS?.sentResources, 2, `of ${inGroup.length} listeners in the group`);
    const dump = (await (await fetch(`http://${mesh.client.admin}/config_dump`)).json()) as {
      configs: Array<{ type_url: string; resources: Array<{ name: string }> }>;
    };
    const held = dump.configs.find((config) => config.type_url.endsWith('.Listener'))?.resources ?? [];
    assert.deepEqual(held.map((listener) => listener.name).sort(), [
      'inbound|client.default.svc.cluster.local',
      'outbound',
    ]);
  });
});
