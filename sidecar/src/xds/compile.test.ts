import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL } from '../../../proto/xds.js';
import { compileInboundConfig, compileProxyConfig, type ProxyConfig } from './compile.js';
import { received, sentResources, type ServiceFixture } from '../../test-support/compile-fixtures.js';

const BACKEND = 'backend.default.svc.cluster.local';

function backend(ports: number[], health?: string): ServiceFixture {
  return {
    name: 'backend',
    namespace: 'default',
    endpoints: ports.map((port) => ({ port, ...(health ? { health } : {}) })),
  };
}

function mesh(ports = [1001, 1002]) {
  return sentResources('default', [backend(ports)]);
}

function endpointsOf(config: ProxyConfig, cluster = BACKEND): string[] {
  return (config.clusters.get(cluster)?.endpoints ?? []).map(
    (endpoint) => `${endpoint.hostname} ${endpoint.host.key} ${endpoint.healthStatus}`,
  );
}

describe('compileProxyConfig', () => {
  it('compiles what the control plane sends into route tables and clusters with endpoints', async () => {
    const config = compileProxyConfig(received(sentResources('default', [backend([1001, 1002])])));
    const outbound = config.listeners.get('outbound');
    assert.equal(outbound?.routeConfigName, 'outbound');
    assert.equal(outbound?.stripAnyHostPort, true);
    assert.equal(
      outbound?.routeTable?.virtualHosts.find('backend.default')?.routes[0]?.action.clusters.names[0],
      BACKEND,
    );
    assert.deepEqual(endpointsOf(config), ['backend-1 127.0.0.1:1001 HEALTHY', 'backend-2 127.0.0.1:1002 HEALTHY']);
    await config.hosts.closeAll();
  });

  it('reads an endpoint without health_status as UNKNOWN, and routes to it', async () => {
    const sent = sentResources('default', [backend([1001])]);
    delete sent.endpoints[0]?.endpoints[0].lb_endpoints[0].health_status;
    const config = compileProxyConfig(received(sent));
    assert.deepEqual(endpointsOf(config), ['backend-1 127.0.0.1:1001 UNKNOWN']);
    assert.equal(config.clusters.get(BACKEND)?.pick()?.host.port, 1001);
    await config.hosts.closeAll();
  });

  it('keeps the route table, warm pools and round-robin position when only endpoints change', async () => {
    const first = received(sentResources('default', [backend([1001, 1002])]));
    const before = compileProxyConfig(first);
    const picked = before.clusters.get(BACKEND)?.pick();
    assert.equal(picked?.host.port, 1001);
    const after = compileProxyConfig(
      { ...first, endpoints: received(sentResources('default', [backend([1001, 1002, 1003])])).endpoints },
      before,
    );
    assert.equal(
      after.listeners.get('outbound')?.routeTable,
      before.listeners.get('outbound')?.routeTable,
      'route table reused',
    );
    assert.equal(after.clusters.get(BACKEND)?.endpoints[0]?.host, picked?.host, 'same host, same pool and counters');
    assert.equal(after.clusters.get(BACKEND)?.pick()?.host.port, 1002, 'round robin goes on where it was');
    await after.hosts.closeAll();
  });

  it('reuses an unchanged cluster as is and closes the pools of endpoints that went away', async () => {
    const sent = sentResources('default', [
      backend([1001]),
      { name: 'orders', namespace: 'default', endpoints: [{ port: 2001 }] },
    ]);
    const first = received(sent);
    const before = compileProxyConfig(first);
    const orders = before.clusters.get('orders.default.svc.cluster.local');
    const gone = before.clusters.get(BACKEND)?.endpoints[0]?.host;
    const changed = received(sentResources('default', [backend([1002])])).endpoints;
    const after = compileProxyConfig({ ...first, endpoints: new Map([...first.endpoints, ...changed]) }, before);
    assert.equal(after.clusters.get('orders.default.svc.cluster.local'), orders);
    assert.deepEqual(endpointsOf(after), ['backend-1 127.0.0.1:1002 HEALTHY']);
    assert.equal(gone !== undefined && after.hosts.has(gone), false);
    await after.hosts.closeAll();
  });

  it('has no route table for a listener until its route configuration arrives', async () => {
    const config = compileProxyConfig({ ...received(sentResources('default', [backend([1001])])), routes: new Map() });
    assert.equal(config.listeners.get('outbound')?.routeTable, undefined);
    await config.hosts.closeAll();
  });

  it('gives a cluster whose endpoints have not arrived no endpoints, not an error', async () => {
    const config = compileProxyConfig({
      ...received(sentResources('default', [backend([1001])])),
      endpoints: new Map(),
    });
    assert.deepEqual(endpointsOf(config), []);
    assert.equal(config.clusters.get(BACKEND)?.pick(), undefined);
    await config.hosts.closeAll();
  });

  it('accepts a route to a cluster that does not exist (it answers 503 per request, as Envoy)', async () => {
    const sent = sentResources('default', [backend([1001])]);
    sent.routes[0]!.virtual_hosts[0].routes[0].route.cluster = 'nowhere';
    const config = compileProxyConfig(received(sent));
    assert.equal(
      config.listeners.get('outbound')?.routeTable?.virtualHosts.find('backend')?.routes[0]?.action.clusters.names[0],
      'nowhere',
    );
    await config.hosts.closeAll();
  });

  it("gives routes without a retry policy their virtual host's, and lets a route's own replace it", async () => {
    const sent = sentResources('default', [backend([1001])]);
    const virtualHost = sent.routes[0]!.virtual_hosts[0];
    virtualHost.retry_policy = {
      retry_on: 'connect-failure,refused-stream,retriable-status-codes',
      num_retries: { value: 2 },
      retriable_status_codes: [503],
    };
    const routes = virtualHost.routes;
    routes.unshift({ ...routes[0], name: 'no-retries', route: { ...routes[0].route, retry_policy: { retry_on: '' } } });
    const config = compileProxyConfig(received(sent));
    const [own, inherited] = config.listeners.get('outbound')?.routeTable?.virtualHosts.find('backend')?.routes ?? [];
    assert.equal(own?.action.retry, undefined, 'a policy that retries on nothing is none');
    assert.equal(inherited?.action.retry?.numRetries, 2);
    assert.deepEqual([...(inherited?.action.retry?.retriableStatusCodes ?? [])], [503]);
    await config.hosts.closeAll();
  });

  it('compiles a STATIC cluster from its own load_assignment', async () => {
    const sent = sentResources('default', []);
    sent.clusters.push({
      name: 'static',
      type: 'STATIC',
      load_assignment: {
        cluster_name: 'static',
        endpoints: [
          { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '::1', port_value: 9 } } } }] },
        ],
      },
    });
    const config = compileProxyConfig(received(sent));
    assert.deepEqual(endpointsOf(config, 'static'), [' [::1]:9 UNKNOWN']);
    await config.hosts.closeAll();
  });

  it('honours a cluster traffic policy: balancer, zone preference, circuit breakers, outlier detection and health checks', async () => {
    const sent = mesh();
    Object.assign(sent.clusters[0]!, {
      lb_policy: 'RING_HASH',
      ring_hash_lb_config: { minimum_ring_size: { value: 64 } },
      common_lb_config: { zone_aware_lb_config: {} },
      circuit_breakers: { thresholds: [{ max_requests: { value: 1 }, retry_budget: {} }] },
      outlier_detection: {
        consecutive_5xx: { value: 1 },
        max_ejection_percent: { value: 50 },
        enforcing_success_rate: { value: 0 },
      },
      health_checks: [
        {
          timeout: { seconds: 1 },
          interval: { seconds: 60 },
          healthy_threshold: { value: 1 },
          unhealthy_threshold: { value: 2 },
          http_health_check: { path: '/healthz' },
        },
      ],
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': TYPE_URL.httpProtocolOptions,
          common_http_protocol_options: { idle_timeout: { seconds: 2 } },
          explicit_http_config: { http_protocol_options: {} },
        },
      },
    });
    const config = compileProxyConfig(received(sent), undefined, { localZone: 'zone-a' });
    const cluster = config.clusters.get(BACKEND);
    assert.ok(cluster);
    assert.equal(cluster.pick('key'), undefined, 'health checked endpoints wait for their first probe');
    assert.equal(cluster.admitRequest(), true);
    assert.equal(cluster.admitRequest(), false, 'max_requests 1');
    assert.equal(cluster.stats.overflows, 1);
    cluster.close();
    await config.hosts.closeAll();
  });

  it('speaks the upstream protocol HttpProtocolOptions names: HTTP/1.1, HTTP/2, or the downstream one', async () => {
    const cases: Array<[options: object | undefined, protocol: string]> = [
      [undefined, 'http1'],
      [{ explicit_http_config: { http_protocol_options: {} } }, 'http1'],
      [{ explicit_http_config: { http2_protocol_options: {} } }, 'http2'],
      [{ use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } }, 'downstream'],
    ];
    for (const [options, protocol] of cases) {
      const sent = mesh();
      if (options !== undefined)
        sent.clusters[0]!.typed_extension_protocol_options = {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': TYPE_URL.httpProtocolOptions,
            ...options,
          },
        };
      const config = compileProxyConfig(received(sent));
      assert.equal(config.clusters.get(BACKEND)?.protocol, protocol, JSON.stringify(options));
      await config.hosts.closeAll();
    }
  });

  it('closes the clusters it replaced or removed, and keeps endpoint health across an EDS update', async () => {
    const sent = mesh();
    sent.clusters[0]!.outlier_detection = { consecutive_5xx: { value: 1 }, max_ejection_percent: { value: 50 } };
    const before = compileProxyConfig(received(sent));
    const first = before.clusters.get(BACKEND)!;
    first.recordOutcome(first.endpoints[0]!, { kind: 'response', status: 503 });
    assert.equal(first.endpoints[0]?.health?.isEjected, true);
    const moved = mesh([1001, 1002, 1003]);
    moved.clusters[0] = sent.clusters[0]!;
    const after = compileProxyConfig(received(moved), before);
    const second = after.clusters.get(BACKEND)!;
    assert.notEqual(second, first);
    assert.equal(second.endpoints[0]?.health?.isEjected, true, 'still ejected');
    assert.equal(second.availableEndpoints.length, 2);
    const removed = compileProxyConfig({ ...received(moved), clusters: new Map() }, after);
    assert.equal(removed.clusters.size, 0);
    second.close();
    await removed.hosts.closeAll();
  });
});

describe('compileInboundConfig', () => {
  it('sends every host and path to the local app through a static cluster', async () => {
    const config = compileInboundConfig(8080);
    const inbound = config.listeners.get('inbound');
    assert.equal(
      inbound?.routeTable?.virtualHosts.find('anything')?.routes[0]?.action.clusters.names[0],
      'inbound|8080',
    );
    assert.equal(config.clusters.get('inbound|8080')?.pick()?.host.key, '127.0.0.1:8080');
    await config.hosts.closeAll();
  });
});
