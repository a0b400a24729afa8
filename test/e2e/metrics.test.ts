// Istio's request metrics end to end: a request through two sidecars is counted once on each, as
// reporter source on the caller's and reporter destination on the callee's, with the labels
// existing Istio dashboards query.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpRequest } from '../support/http.js';
import { useTwoServiceMesh } from '../support/mesh.js';
import { sample, scrape } from '../support/metrics.js';

const BACKEND = 'backend.default.svc.cluster.local';

describe('sidecar metrics', () => {
  const mesh = useTwoServiceMesh();

  it('counts each request once on both sidecars, with Istio labels', async () => {
    const { frontend, backend } = mesh.current;
    const source = {
      reporter: 'source',
      source_workload: 'frontend',
      source_canonical_service: 'frontend',
      destination_service: BACKEND,
      destination_workload: 'backend',
      destination_canonical_service: 'backend',
      response_code: '200',
      response_flags: '-',
      request_protocol: 'http',
    };
    // The callee's sidecar verified the caller's certificate: mutual TLS, and who it was.
    const destination = {
      ...source,
      reporter: 'destination',
      connection_security_policy: 'mutual_tls',
      source_principal: 'spiffe://cluster.local/ns/default/sa/frontend',
    };
    const [callerBefore, calleeBefore] = await Promise.all([scrape(frontend.admin), scrape(backend.admin)]);
    for (let i = 0; i < 7; i++)
      assert.equal((await httpRequest(frontend.outbound, '/count', { headers: { host: 'backend' } })).status, 200);
    const [caller, callee] = await Promise.all([scrape(frontend.admin), scrape(backend.admin)]);
    assert.equal(
      sample(caller, 'istio_requests_total', source) - sample(callerBefore, 'istio_requests_total', source),
      7,
    );
    assert.equal(
      sample(callee, 'istio_requests_total', destination) - sample(calleeBefore, 'istio_requests_total', destination),
      7,
    );
    assert.equal(
      sample(caller, 'istio_request_duration_milliseconds_count', source) -
        sample(callerBefore, 'istio_request_duration_milliseconds_count', source),
      7,
    );
    assert.ok(
      sample(caller, 'istio_response_bytes_sum', source) > sample(callerBefore, 'istio_response_bytes_sum', source),
      'response bytes counted',
    );
    assert.equal(
      sample(caller, 'istio_requests_total', { reporter: 'destination' }),
      0,
      'the caller reports no inbound requests it did not serve',
    );
    assert.doesNotMatch(caller, /\/count/, 'no paths in label values');
    // Sequential requests on keep-alive: one connection, open until the 4 s idle timeout.
    assert.equal(sample(caller, 'pilotfish_sidecar_upstream_connections', { cluster_name: BACKEND }), 1);
  });

  it('labels an answer the proxy made itself with its response flag', async () => {
    const { frontend } = mesh.current;
    assert.equal((await httpRequest(frontend.outbound, '/', { headers: { host: 'nosuch' } })).status, 404);
    const text = await scrape(frontend.admin);
    assert.ok(
      sample(text, 'istio_requests_total', {
        reporter: 'source',
        destination_service: 'unknown',
        response_code: '404',
        response_flags: 'NR',
      }) >= 1,
    );
  });

  it('reports the xDS stream as connected, the versions in force and no NACKs', async () => {
    const text = await scrape(mesh.current.frontend.admin);
    assert.match(text, /^pilotfish_sidecar_xds_connected 1$/m);
    assert.match(text, /^pilotfish_sidecar_xds_nacks_total\{type="RouteConfiguration"\} 0$/m);
    const dump = (await (await fetch(`http://${mesh.current.frontend.admin}/config_dump`)).json()) as {
      configs: Array<{ type_url: string; version_info: string }>;
    };
    const clusters = dump.configs.find((config) => config.type_url.endsWith('.Cluster'));
    assert.ok(clusters?.version_info);
    assert.equal(
      sample(text, 'pilotfish_sidecar_xds_config_info', { type: 'Cluster', version: clusters.version_info }),
      1,
    );
  });
});
