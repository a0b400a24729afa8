import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS, TYPE_URL, decodeResource, encodeResource } from '../../../proto/xds.js';
import type { ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/registry.js';
import { validateConfig } from '../config/config-set.js';
import { translate } from './translate.js';

function service(name: string, namespace: string, instances: Array<Partial<ServiceInstance>>): ServiceView {
  return {
    name,
    namespace,
    instances: instances.map((partial, index) => ({
      service: name,
      namespace,
      instanceId: `${name}-${index + 1}`,
      address: '127.0.0.1',
      port: 40000 + index,
      labels: {},
      protocol: 'http',
      ...partial,
    })),
  };
}

// Resources are protocol-shaped plain objects; tests read them loosely.
type Json = Record<string, any>;

function names(snapshot: ReturnType<typeof translate>, typeUrl: (typeof RESOURCE_TYPE_URLS)[number]): string[] {
  return [...snapshot[typeUrl].keys()].sort();
}

describe('translate', () => {
  it('gives an empty registry the outbound listener and an empty route table', () => {
    const snapshot = translate([], 'default');
    assert.deepEqual(names(snapshot, TYPE_URL.listener), ['outbound']);
    assert.deepEqual((snapshot[TYPE_URL.route].get('outbound') as Json).virtual_hosts, []);
    assert.equal(snapshot[TYPE_URL.cluster].size, 0);
    assert.equal(snapshot[TYPE_URL.endpoint].size, 0);
  });

  const table: Array<{
    name: string;
    services: ServiceView[];
    namespace: string;
    expect: (snapshot: ReturnType<typeof translate>) => void;
  }> = [
    {
      name: 'a service gets an EDS cluster, its endpoints and a virtual host with every host name',
      services: [service('backend', 'default', [{}, { port: 40001, labels: { version: 'v2' } }])],
      namespace: 'default',
      expect(snapshot) {
        const fqdn = 'backend.default.svc.cluster.local';
        assert.deepEqual(names(snapshot, TYPE_URL.cluster), [fqdn]);
        const cluster = snapshot[TYPE_URL.cluster].get(fqdn) as Json;
        assert.equal(cluster.type, 'EDS');
        assert.equal(cluster.eds_cluster_config.service_name, fqdn);
        // HTTP ports speak to the endpoint what the request came in with (h2 in, h2 out).
        const options =
          cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
        assert.deepEqual(options.use_downstream_protocol_config, {
          http_protocol_options: {},
          http2_protocol_options: {},
        });
        const cla = snapshot[TYPE_URL.endpoint].get(fqdn) as Json;
        const endpoints = cla.endpoints[0].lb_endpoints.map(
          (e: Json) => `${e.endpoint.hostname}@${e.endpoint.address.socket_address.port_value}`,
        );
        assert.deepEqual(endpoints, ['backend-1@40000', 'backend-2@40001']);
        assert.deepEqual(cla.endpoints[0].load_balancing_weight, { value: 1 });
        const vhost = (snapshot[TYPE_URL.route].get('outbound') as Json).virtual_hosts[0];
        assert.deepEqual(vhost.domains, ['backend', 'backend.default', 'backend.default.svc', fqdn]);
        assert.equal(vhost.routes[0].route.cluster, fqdn);
        assert.deepEqual(names(snapshot, TYPE_URL.listener), [
          'backend',
          'backend.default',
          'backend.default.svc',
          fqdn,
          `inbound|${fqdn}`,
          'outbound',
        ]);
      },
    },
    {
      name: 'a service in another namespace is reached only by qualified names',
      services: [service('db', 'data', [{}])],
      namespace: 'default',
      expect(snapshot) {
        const vhost = (snapshot[TYPE_URL.route].get('outbound') as Json).virtual_hosts[0];
        assert.deepEqual(vhost.domains, ['db.data', 'db.data.svc', 'db.data.svc.cluster.local']);
        assert.equal(snapshot[TYPE_URL.listener].has('db'), false);
      },
    },
    {
      name: 'gRPC and http2 services ask for HTTP/2 upstreams',
      services: [
        service('echo', 'default', [{ protocol: 'grpc' }]),
        service('web', 'default', [{ protocol: 'http2' }]),
      ],
      namespace: 'default',
      expect(snapshot) {
        for (const fqdn of ['echo.default.svc.cluster.local', 'web.default.svc.cluster.local']) {
          const cluster = snapshot[TYPE_URL.cluster].get(fqdn) as Json;
          const options =
            cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
          assert.deepEqual(options.explicit_http_config, { http2_protocol_options: {} }, fqdn);
        }
      },
    },
    {
      name: 'a TCP service has a cluster but no HTTP route',
      services: [service('redis', 'default', [{ protocol: 'tcp' }])],
      namespace: 'default',
      expect(snapshot) {
        assert.deepEqual(names(snapshot, TYPE_URL.cluster), ['redis.default.svc.cluster.local']);
        assert.deepEqual((snapshot[TYPE_URL.route].get('outbound') as Json).virtual_hosts, []);
      },
    },
    {
      name: 'instances with zone labels are grouped by locality',
      services: [
        service('backend', 'default', [
          { labels: { 'topology.kubernetes.io/zone': 'a' } },
          { labels: { 'topology.kubernetes.io/zone': 'b' } },
          { labels: { 'topology.kubernetes.io/zone': 'a' } },
        ]),
      ],
      namespace: 'default',
      expect(snapshot) {
        const cla = snapshot[TYPE_URL.endpoint].get('backend.default.svc.cluster.local') as Json;
        assert.deepEqual(
          cla.endpoints.map((group: Json) => [group.locality.zone, group.lb_endpoints.length]),
          [
            ['a', 2],
            ['b', 1],
          ],
        );
      },
    },
  ];
  for (const { name, services, namespace, expect } of table) it(name, () => expect(translate(services, namespace)));

  it('produces resources that encode as their Envoy types and decode back', () => {
    const snapshot = translate(
      [service('backend', 'default', [{ labels: { version: 'v1' } }]), service('echo', 'x', [{ protocol: 'grpc' }])],
      'default',
    );
    for (const typeUrl of RESOURCE_TYPE_URLS) {
      for (const resource of snapshot[typeUrl].values()) {
        const decoded = decodeResource(encodeResource(typeUrl, resource)) as Json;
        assert.equal(decoded['@type'], typeUrl);
      }
    }
    const cla = decodeResource(
      encodeResource(TYPE_URL.endpoint, snapshot[TYPE_URL.endpoint].get('backend.default.svc.cluster.local') as object),
    ) as Json;
    assert.equal(
      cla.endpoints[0].lb_endpoints[0].metadata.filter_metadata['envoy.lb'].fields.version.stringValue,
      'v1',
    );
  });

  it('gives every node group each ServiceConfig as a pilotfish.v1.ServiceConfig named by the service FQDN', () => {
    const text = `apiVersion: pilotfish.dev/v1
kind: ServiceConfig
metadata: { name: backend, namespace: shop }
spec:
  service: backend
  parameters: { requireMfa: true, quota: { perUser: 10 }, banner: null, regions: [eu] }
  subsets:
    - labels: { version: v2 }
      parameters: { requireMfa: false }
`;
    const result = validateConfig([{ name: 'c.yaml', text }], { isRegistered: () => true });
    assert.ok(result.ok);
    const fqdn = 'backend.shop.svc.cluster.local';
    for (const group of ['shop', 'default']) {
      const snapshot = translate([service('backend', 'shop', [{}])], group, result.config);
      assert.deepEqual(names(snapshot, TYPE_URL.serviceConfig), [fqdn]);
      const decoded = decodeResource(
        encodeResource(TYPE_URL.serviceConfig, snapshot[TYPE_URL.serviceConfig].get(fqdn) as object),
      ) as Json;
      assert.equal(decoded['@type'], 'type.googleapis.com/pilotfish.v1.ServiceConfig');
      assert.equal(decoded.name, fqdn);
      assert.deepEqual(
        Object.keys(decoded.parameters.fields),
        ['banner', 'quota', 'regions', 'requireMfa'],
        'keys sorted, so versions do not depend on YAML order',
      );
      assert.equal(decoded.parameters.fields.requireMfa.boolValue, true);
      assert.equal(decoded.parameters.fields.quota.structValue.fields.perUser.numberValue, 10);
      assert.deepEqual(decoded.subsets[0].labels, { version: 'v2' });
      assert.equal(decoded.subsets[0].parameters.fields.requireMfa.boolValue, false);
    }
    assert.equal(translate([], 'default')[TYPE_URL.serviceConfig].size, 0, 'no ServiceConfig, no resource');
  });

  it('carries the MeshConfig to every HTTP listener: trace sampling always, the access log when it is on, the listener limits', () => {
    const filtersOf = (snapshot: ReturnType<typeof translate>, name: string) =>
      (decodeResource(encodeResource(TYPE_URL.listener, snapshot[TYPE_URL.listener].get(name) as object)) as Json)
        .filter_chains[0].filters as Json[];
    const hcmOf = (snapshot: ReturnType<typeof translate>, name: string) =>
      (filtersOf(snapshot, name).at(-1) as Json).typed_config;
    const services = [service('backend', 'default', [{}])];
    const defaults = translate(services, 'default');
    for (const name of ['outbound', 'inbound|backend.default.svc.cluster.local']) {
      assert.deepEqual(hcmOf(defaults, name).tracing.random_sampling, { value: 1 });
      assert.deepEqual(hcmOf(defaults, name).access_log, []);
    }
    const text =
      'apiVersion: pilotfish.dev/v1\nkind: MeshConfig\nmetadata: { name: mesh }\nspec:\n  tracing: { sampling: 100 }\n  accessLog: { enabled: true }\n  listenerLimits: { maxConnections: 5, requestHeadersTimeout: 1500ms, maxRequestHeaders: 20 }\n';
    const result = validateConfig([{ name: 'mesh.yaml', text }], { isRegistered: () => true });
    assert.ok(result.ok);
    const logged = translate(services, 'default', result.config);
    for (const name of ['outbound', 'inbound|backend.default.svc.cluster.local']) {
      const hcm = hcmOf(logged, name);
      assert.deepEqual(hcm.tracing.random_sampling, { value: 100 });
      assert.equal(hcm.access_log[0].name, 'envoy.access_loggers.stdout');
      assert.equal(
        hcm.access_log[0].typed_config.log_format.json_format.fields.response_code.stringValue,
        '%RESPONSE_CODE%',
      );
      assert.deepEqual(hcm.request_headers_timeout, { seconds: '1', nanos: 500_000_000 });
      assert.equal(hcm.common_http_protocol_options.max_headers_count.value, 20);
      const [limit] = filtersOf(logged, name);
      assert.equal(limit?.name, 'envoy.filters.network.connection_limit');
      assert.equal(limit?.typed_config.max_connections.value, '5');
    }
  });

  it('is pure: the same registry gives the same resources', () => {
    const services = [service('backend', 'default', [{}, {}])];
    assert.deepEqual(
      JSON.stringify(translate(services, 'default')[TYPE_URL.endpoint].get('backend.default.svc.cluster.local')),
      JSON.stringify(translate(services, 'default')[TYPE_URL.endpoint].get('backend.default.svc.cluster.local')),
    );
  });
});
