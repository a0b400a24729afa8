// Policy config → xDS, field by field: tables of YAML documents and the resources they must become.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS, TYPE_URL, decodeResource, encodeResource } from '../../../proto/xds.js';
import { validateConfig, type ConfigSet } from '../config/config-set.js';
import type { ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/registry.js';
import { translate } from './translate.js';

type Json = Record<string, any>;
const REVIEWS = 'reviews.default.svc.cluster.local';
const RATINGS = 'ratings.default.svc.cluster.local';

function service(name: string, instances: Array<Partial<ServiceInstance>>): ServiceView {
  return {
    name,
    namespace: 'default',
    instances: instances.map((partial, index) => ({
      service: name,
      namespace: 'default',
      instanceId: `${name}-${index + 1}`,
      address: '127.0.0.1',
      port: 40000 + index,
      labels: {},
      protocol: 'http',
      ...partial,
    })),
  };
}

const SERVICES = [
  service('reviews', [{ labels: { version: 'v1' } }, { labels: { version: 'v2' } }, { labels: { version: 'v2' } }]),
  service('ratings', [{}]),
];

function config(...documents: string[]): ConfigSet {
  const registered = new Set([REVIEWS, RATINGS]);
  const result = validateConfig([{ name: 'test.yaml', text: documents.join('---\n') }], {
    isRegistered: (fqdn) => registered.has(fqdn),
  });
  if (!result.ok)
    throw new Error(result.errors.map((error) => `${error.line}: ${error.path}: ${error.message}`).join('\n'));
  return result.config;
}

const doc = (kind: string, spec: string, name = 'reviews') =>
  `apiVersion: pilotfish.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec}`;
const SUBSETS = doc(
  'DestinationPolicy',
  '  host: reviews\n  subsets:\n    - { name: v1, labels: { version: v1 } }\n    - { name: v2, labels: { version: v2 } }\n',
);

function snapshotOf(mesh: ConfigSet) {
  return translate(SERVICES, 'default', mesh);
}
function vhost(mesh: ConfigSet, fqdn = REVIEWS): Json {
  return ((snapshotOf(mesh)[TYPE_URL.route].get('outbound') as Json).virtual_hosts as Json[]).find(
    (host) => host.name === fqdn,
  ) as Json;
}
function rule(spec: string): Json {
  return vhost(config(SUBSETS, doc('Route', `  host: reviews\n  rules:\n${spec}`))).routes[0];
}
function cluster(policy: string, name = REVIEWS): Json {
  return snapshotOf(config(doc('DestinationPolicy', `  host: reviews\n${policy}`)))[TYPE_URL.cluster].get(name) as Json;
}
function inbound(limits: string): Json {
  const listener = snapshotOf(config(doc('RateLimit', `  host: reviews\n  limits:\n${limits}`)))[TYPE_URL.listener].get(
    `inbound|${REVIEWS}`,
  ) as Json;
  return listener.filter_chains[0].filters.at(-1).typed_config;
}
const d = (seconds: number, nanos = 0) => ({ seconds, nanos });

describe('translate policy config', () => {
  const routeTable: Array<[string, string, (route: Json) => void]> = [
    [
      'a path prefix with headers, method and query',
      '    - match: [{ path: { prefix: /api }, headers: { x-user: { exact: jason }, x-b: { regex: "^b" }, x-c: { present: true } }, method: POST, query: { v: { exact: "2" }, w: { present: true } } }]\n      destinations: [{ service: reviews }]\n',
      (route) =>
        assert.deepEqual(route.match, {
          prefix: '/api',
          headers: [
            { name: 'x-user', string_match: { exact: 'jason' } },
            { name: 'x-b', string_match: { safe_regex: { regex: '^b' } } },
            { name: 'x-c', present_match: true },
            { name: ':method', string_match: { exact: 'POST' } },
          ],
          query_parameters: [
            { name: 'v', string_match: { exact: '2' } },
            { name: 'w', present_match: true },
          ],
        }),
    ],
    [
      'an exact path',
      '    - match: [{ path: { exact: /a } }]\n      destinations: [{ service: reviews }]\n',
      (route) => assert.deepEqual(route.match, { path: '/a' }),
    ],
    [
      'a regex path',
      '    - match: [{ path: { regex: "/v[0-9]+" } }]\n      destinations: [{ service: reviews }]\n',
      (route) => assert.deepEqual(route.match, { safe_regex: { regex: '/v[0-9]+' } }),
    ],
    [
      'no match at all: every request',
      '    - destinations: [{ service: reviews, subset: v2 }]\n',
      (route) => {
        assert.deepEqual(route.match, { prefix: '/' });
        assert.deepEqual(route.route, { cluster: `${REVIEWS}~v2` });
        assert.equal(route.name, 'default/reviews/rules[0]');
      },
    ],
    [
      'a split into weighted clusters',
      '    - destinations: [{ service: reviews, subset: v1, weight: 90 }, { service: reviews, subset: v2, weight: 10 }]\n',
      (route) =>
        assert.deepEqual(route.route.weighted_clusters, {
          clusters: [
            { name: `${REVIEWS}~v1`, weight: { value: 90 } },
            { name: `${REVIEWS}~v2`, weight: { value: 10 } },
          ],
        }),
    ],
    [
      'a timeout and retries with every field',
      '    - destinations: [{ service: reviews }]\n      timeout: 1.5s\n      retries: { attempts: 3, perTryTimeout: 250ms, retryOn: [5xx, reset], backoff: { base: 6ms, max: 1s } }\n',
      (route) => {
        assert.deepEqual(route.route.timeout, d(1, 500_000_000));
        assert.deepEqual(route.route.retry_policy, {
          retry_on: '5xx,reset',
          num_retries: { value: 3 },
          per_try_timeout: d(0, 250_000_000),
          retry_back_off: { base_interval: d(0, 6_000_000), max_interval: d(1) },
          retriable_request_headers: [
            { name: ':method', string_match: { safe_regex: { regex: '^(GET|HEAD|OPTIONS|TRACE|PUT|DELETE)$' } } },
          ],
        });
      },
    ],
    [
      'retries with defaults, non-idempotent requests allowed',
      '    - destinations: [{ service: reviews }]\n      retries: { attempts: 2, retryNonIdempotent: true }\n',
      (route) =>
        assert.deepEqual(route.route.retry_policy, {
          retry_on: 'connect-failure,reset,gateway-error',
          num_retries: { value: 2 },
        }),
    ],
    [
      'retries on gRPC statuses, which make gRPC calls (POSTs) retriable',
      '    - destinations: [{ service: reviews }]\n      retries: { attempts: 2, retryOn: [unavailable, resource-exhausted] }\n',
      (route) =>
        assert.deepEqual(route.route.retry_policy, {
          retry_on: 'unavailable,resource-exhausted',
          num_retries: { value: 2 },
        }),
    ],
    [
      'retries on HTTP status codes, as Istio spells them',
      '    - destinations: [{ service: reviews }]\n      retries: { attempts: 1, retryOn: [reset, 503, 429] }\n',
      (route) =>
        assert.deepEqual(route.route.retry_policy, {
          retry_on: 'reset,retriable-status-codes',
          num_retries: { value: 1 },
          retriable_status_codes: [503, 429],
          retriable_request_headers: [
            { name: ':method', string_match: { safe_regex: { regex: '^(GET|HEAD|OPTIONS|TRACE|PUT|DELETE)$' } } },
          ],
        }),
    ],
    [
      'no retries, which overrides the mesh default',
      '    - destinations: [{ service: reviews }]\n      retries: { attempts: 0 }\n',
      (route) => assert.deepEqual(route.route.retry_policy, { retry_on: '' }),
    ],
    [
      'rewrites and header edits',
      '    - destinations: [{ service: reviews }]\n      rewrite: { prefix: /internal/, host: reviews.internal }\n      headers: { request: { add: { x-route: "50%" }, remove: [x-secret] }, response: { add: { x-served: a }, remove: [server] } }\n',
      (route) => {
        assert.equal(route.route.prefix_rewrite, '/internal/');
        assert.equal(route.route.host_rewrite_literal, 'reviews.internal');
        assert.deepEqual(route.request_headers_to_add, [
          { header: { key: 'x-route', value: '50%%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        ]);
        assert.deepEqual(route.request_headers_to_remove, ['x-secret']);
        assert.deepEqual(route.response_headers_to_add, [
          { header: { key: 'x-served', value: 'a' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        ]);
        assert.deepEqual(route.response_headers_to_remove, ['server']);
      },
    ],
    [
      'a fault with per-million percentages',
      '    - destinations: [{ service: reviews }]\n      fault: { delay: { fixed: 150ms, percent: 0.1 }, abort: { status: 418, percent: 30 } }\n',
      (route) =>
        assert.deepEqual(route.typed_per_filter_config, {
          'envoy.filters.http.fault': {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
            delay: { fixed_delay: d(0, 150_000_000), percentage: { numerator: 1000, denominator: 'MILLION' } },
            abort: { http_status: 418, percentage: { numerator: 300_000, denominator: 'MILLION' } },
          },
        }),
    ],
    [
      'a mirror',
      '    - destinations: [{ service: reviews }]\n      mirror: { service: ratings, percent: 25 }\n',
      (route) =>
        assert.deepEqual(route.route.request_mirror_policies, [
          { cluster: RATINGS, runtime_fraction: { default_value: { numerator: 250_000, denominator: 'MILLION' } } },
        ]),
    ],
  ];
  for (const [name, spec, expect] of routeTable) it(`routes ${name}`, () => expect(rule(spec)));

  it('retries as Istio does by default, on every outbound virtual host: twice, on connect failures, refused streams and 503', () => {
    assert.deepEqual(vhost(config()).retry_policy, {
      retry_on: 'connect-failure,refused-stream,retriable-status-codes',
      num_retries: { value: 2 },
      retriable_status_codes: [503],
    });
    const meshConfig = (spec: string) => doc('MeshConfig', spec, 'mesh');
    assert.equal(vhost(config(meshConfig('  defaultRetries: { attempts: 0 }\n'))).retry_policy, undefined);
    assert.deepEqual(vhost(config(meshConfig('  defaultRetries: { attempts: 3, retryOn: [5xx] }\n'))).retry_policy, {
      retry_on: '5xx',
      num_retries: { value: 3 },
      retriable_request_headers: [
        { name: ':method', string_match: { safe_regex: { regex: '^(GET|HEAD|OPTIONS|TRACE|PUT|DELETE)$' } } },
      ],
    });
  });

  it('puts rule routes in order before the default route, one route per alternative match', () => {
    const routes = vhost(
      config(
        SUBSETS,
        doc(
          'Route',
          '  host: reviews\n  rules:\n    - match: [{ path: { prefix: /a } }, { path: { prefix: /b } }]\n      destinations: [{ service: reviews, subset: v1 }]\n    - destinations: [{ service: reviews, subset: v2 }]\n',
        ),
      ),
    ).routes as Json[];
    assert.deepEqual(
      routes.map((route) => route.name),
      ['default/reviews/rules[0]/match[0]', 'default/reviews/rules[0]/match[1]', 'default/reviews/rules[1]', 'default'],
    );
    assert.deepEqual(routes.at(-1), { name: 'default', match: { prefix: '/' }, route: { cluster: REVIEWS } });
  });

  it('makes a cluster per subset with its own EDS name holding only matching instances', () => {
    const snapshot = snapshotOf(config(SUBSETS));
    const v2 = snapshot[TYPE_URL.cluster].get(`${REVIEWS}~v2`) as Json;
    assert.equal(v2.type, 'EDS');
    assert.equal(v2.eds_cluster_config.service_name, `${REVIEWS}~v2`);
    const cla = snapshot[TYPE_URL.endpoint].get(`${REVIEWS}~v2`) as Json;
    assert.equal(cla.cluster_name, `${REVIEWS}~v2`);
    assert.deepEqual(
      cla.endpoints[0].lb_endpoints.map((e: Json) => e.endpoint.hostname),
      ['reviews-2', 'reviews-3'],
    );
    assert.equal((snapshot[TYPE_URL.endpoint].get(REVIEWS) as Json).endpoints[0].lb_endpoints.length, 3);
  });

  const clusterTable: Array<[string, string, (cluster: Json) => void]> = [
    [
      'load balancer policies',
      '  loadBalancer: { policy: least_request }\n',
      (c) => assert.equal(c.lb_policy, 'LEAST_REQUEST'),
    ],
    [
      'ring hash with its ring size',
      '  loadBalancer: { policy: ring_hash, hashOn: { cookie: session }, minRingSize: 2048 }\n',
      (c) => {
        assert.equal(c.lb_policy, 'RING_HASH');
        assert.deepEqual(c.ring_hash_lb_config, { minimum_ring_size: { value: 2048 } });
      },
    ],
    [
      'locality preference',
      '  localityPreference: true\n',
      (c) => assert.deepEqual(c.common_lb_config, { zone_aware_lb_config: {} }),
    ],
    [
      'connection pool limits as circuit breakers, and timeouts',
      '  connectionPool: { maxConnections: 2, maxPendingRequests: 1, maxRequests: 3, maxRetries: 4, retryBudget: { percent: 10, minRetryConcurrency: 2 }, idleTimeout: 30s, connectTimeout: 250ms }\n',
      (c) => {
        assert.deepEqual(c.circuit_breakers, {
          thresholds: [
            {
              priority: 'DEFAULT',
              max_connections: { value: 2 },
              max_pending_requests: { value: 1 },
              max_requests: { value: 3 },
              max_retries: { value: 4 },
              retry_budget: { budget_percent: { value: 10 }, min_retry_concurrency: { value: 2 } },
            },
          ],
        });
        assert.deepEqual(c.connect_timeout, d(0, 250_000_000));
        assert.deepEqual(c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'], {
          '@type': TYPE_URL.httpProtocolOptions,
          common_http_protocol_options: { idle_timeout: d(30) },
          use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} },
        });
      },
    ],
    [
      'outlier detection',
      '  outlierDetection: { consecutive5xx: 3, consecutiveGatewayErrors: 2, interval: 200ms, baseEjectionTime: 1s, maxEjectionPercent: 50 }\n',
      (c) =>
        assert.deepEqual(c.outlier_detection, {
          consecutive_5xx: { value: 3 },
          consecutive_gateway_failure: { value: 2 },
          enforcing_consecutive_gateway_failure: { value: 100 },
          interval: d(0, 200_000_000),
          base_ejection_time: d(1),
          max_ejection_percent: { value: 50 },
        }),
    ],
    [
      'health checks, with default thresholds',
      '  healthCheck: { path: /healthz, interval: 100ms, timeout: 500ms }\n',
      (c) =>
        assert.deepEqual(c.health_checks, [
          {
            timeout: d(0, 500_000_000),
            interval: d(0, 100_000_000),
            healthy_threshold: { value: 1 },
            unhealthy_threshold: { value: 3 },
            http_health_check: { path: '/healthz' },
          },
        ]),
    ],
    [
      'a gRPC health check',
      '  healthCheck: { grpc: { service: reviews.v1.Reviews }, interval: 1s, timeout: 500ms, unhealthyThreshold: 2 }\n',
      (c) =>
        assert.deepEqual(c.health_checks, [
          {
            timeout: d(0, 500_000_000),
            interval: d(1),
            healthy_threshold: { value: 1 },
            unhealthy_threshold: { value: 2 },
            grpc_health_check: { service_name: 'reviews.v1.Reviews' },
          },
        ]),
    ],
    [
      'no policy: round robin and the default connect timeout',
      '  localityPreference: false\n',
      (c) => {
        assert.equal(c.lb_policy, 'ROUND_ROBIN');
        assert.deepEqual(c.connect_timeout, { seconds: 5 });
        assert.equal(c.circuit_breakers, undefined);
      },
    ],
  ];
  for (const [name, policy, expect] of clusterTable) it(`sets the cluster's ${name}`, () => expect(cluster(policy)));

  it('gives subset clusters the service policy with their own sections in place', () => {
    const policy =
      '  loadBalancer: { policy: least_request }\n  outlierDetection: { consecutive5xx: 3 }\n  subsets:\n    - { name: v2, labels: { version: v2 }, loadBalancer: { policy: random } }\n';
    const v2 = cluster(policy, `${REVIEWS}~v2`);
    assert.equal(v2.lb_policy, 'RANDOM');
    assert.deepEqual(v2.outlier_detection, { consecutive_5xx: { value: 3 } });
  });

  it('adds the hash policy of a ring-hash cluster to every route that sends to it', () => {
    const policy = doc(
      'DestinationPolicy',
      '  host: reviews\n  loadBalancer: { policy: ring_hash, hashOn: { header: x-user } }\n  subsets:\n    - { name: v1, labels: { version: v1 }, loadBalancer: { policy: ring_hash, hashOn: { sourceIp: true } } }\n    - { name: v2, labels: { version: v2 }, loadBalancer: { policy: round_robin } }\n',
    );
    const routes = vhost(
      config(
        policy,
        doc(
          'Route',
          '  host: reviews\n  rules:\n    - match: [{ path: { prefix: /a } }]\n      destinations: [{ service: reviews, subset: v1 }]\n    - match: [{ path: { prefix: /b } }]\n      destinations: [{ service: reviews, subset: v2 }]\n',
        ),
      ),
    ).routes as Json[];
    assert.deepEqual(
      routes.map((route) => route.route.hash_policy),
      [[{ connection_properties: { source_ip: true } }], undefined, [{ header: { header_name: 'x-user' } }]],
    );
    const cookie = vhost(
      config(
        doc('DestinationPolicy', '  host: reviews\n  loadBalancer: { policy: ring_hash, hashOn: { cookie: sid } }\n'),
      ),
    ).routes as Json[];
    assert.deepEqual(cookie[0]?.route.hash_policy, [{ cookie: { name: 'sid' } }]);
  });

  it('publishes inbound|FQDN for every service, straight to the app without a RateLimit', () => {
    const listener = snapshotOf(config())[TYPE_URL.listener].get(`inbound|${RATINGS}`) as Json;
    assert.deepEqual(listener.address, { socket_address: { address: '0.0.0.0', port_value: 15006 } });
    const hcm = listener.filter_chains[0].filters.at(-1).typed_config;
    assert.equal(hcm.stat_prefix, 'inbound');
    assert.deepEqual(
      hcm.http_filters.map((filter: Json) => filter.name),
      ['envoy.filters.http.router'],
    );
    assert.deepEqual(hcm.route_config, {
      name: `inbound|${RATINGS}`,
      virtual_hosts: [
        {
          name: 'inbound',
          domains: ['*'],
          routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: 'inbound' } }],
        },
      ],
    });
  });

  it('turns limits into local rate limit routes: one bucket, or a bucket per header value or per caller', () => {
    const hcm = inbound(
      '    - { match: { path: { prefix: /api } }, requests: 5, per: 30s }\n    - { requests: 3, per: 1s, key: { header: x-api-key } }\n    - { match: { path: { exact: /login } }, requests: 2, per: 1m, key: { source: true } }\n',
    );
    assert.deepEqual(hcm.http_filters, [
      {
        name: 'envoy.filters.http.local_ratelimit',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
          stat_prefix: 'http_local_rate_limiter',
        },
      },
      { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.router } },
    ]);
    const routes = hcm.route_config.virtual_hosts[0].routes as Json[];
    const bucket = (tokens: number, fill: object) => ({
      max_tokens: tokens,
      tokens_per_fill: { value: tokens },
      fill_interval: fill,
    });
    const common = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
      stat_prefix: 'http_local_rate_limiter',
      filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
      filter_enforced: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
      enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
    };
    assert.deepEqual(routes[0], {
      name: 'limits[0]',
      match: { prefix: '/api' },
      route: { cluster: 'inbound' },
      typed_per_filter_config: { 'envoy.filters.http.local_ratelimit': { ...common, token_bucket: bucket(5, d(30)) } },
    });
    assert.deepEqual(routes[1], {
      name: 'limits[1]',
      match: { prefix: '/' },
      route: {
        cluster: 'inbound',
        rate_limits: [{ actions: [{ request_headers: { header_name: 'x-api-key', descriptor_key: 'key' } }] }],
      },
      typed_per_filter_config: {
        'envoy.filters.http.local_ratelimit': {
          ...common,
          token_bucket: bucket(3, d(1)),
          descriptors: [{ entries: [{ key: 'key', value: '' }], token_bucket: bucket(3, d(1)) }],
        },
      },
    });
    assert.equal(routes[2]?.route.rate_limits[0].actions[0].request_headers.header_name, 'x-pilotfish-source');
    assert.deepEqual(routes[2]?.match, { path: '/login' });
    assert.deepEqual(routes.at(-1), { name: 'default', match: { prefix: '/' }, route: { cluster: 'inbound' } });
  });

  it('keeps clusters for services config names that have no instances now', () => {
    const mesh = config(
      doc('Service', '  ports: [{ port: 9000, protocol: grpc }]\n', 'payments'),
      doc('Route', '  host: reviews\n  rules:\n    - destinations: [{ service: payments }]\n'),
    );
    const snapshot = snapshotOf(mesh);
    const fqdn = 'payments.default.svc.cluster.local';
    assert.equal(
      (snapshot[TYPE_URL.cluster].get(fqdn) as Json).typed_extension_protocol_options[
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'
      ].explicit_http_config.http2_protocol_options !== undefined,
      true,
    );
    assert.deepEqual((snapshot[TYPE_URL.endpoint].get(fqdn) as Json).endpoints, []);
  });

  it('gives each TCP port a Service declares an outbound tcp_proxy listener to its cluster, idle timeout from its policy', () => {
    const mesh = config(
      doc('Service', '  ports: [{ port: 5432, protocol: tcp }, { port: 8080, protocol: http }]\n', 'db'),
      doc('DestinationPolicy', '  host: db\n  connectionPool: { idleTimeout: 90s, connectTimeout: 2s }\n', 'db'),
    );
    const snapshot = snapshotOf(mesh);
    const fqdn = 'db.default.svc.cluster.local';
    assert.deepEqual(
      [...snapshot[TYPE_URL.listener].keys()].filter((name) => name.startsWith('outbound|')),
      [`outbound|5432||${fqdn}`],
    );
    const listener = decodeResource(
      encodeResource(TYPE_URL.listener, snapshot[TYPE_URL.listener].get(`outbound|5432||${fqdn}`) as object),
    ) as Json;
    assert.equal(listener.address.socket_address.port_value, 5432);
    const filter = listener.filter_chains[0].filters[0];
    assert.equal(filter.name, 'envoy.filters.network.tcp_proxy');
    assert.equal(filter.typed_config.cluster, fqdn);
    assert.equal(filter.typed_config.stat_prefix, `outbound|5432||${fqdn}`);
    assert.equal(filter.typed_config.idle_timeout.seconds, '90');
    assert.equal(filter.typed_config.max_connect_attempts.value, 3);
    assert.equal((snapshot[TYPE_URL.cluster].get(fqdn) as Json).connect_timeout.seconds, 2);
    const inbound = snapshot[TYPE_URL.listener].get(`inbound|${fqdn}`) as Json;
    assert.deepEqual(
      inbound.filter_chains.map((chain: Json) => chain.filters.at(-1).name),
      ['envoy.filters.network.tcp_proxy'],
      "a TCP service's inbound listener is a tcp_proxy to its app, not HTTP",
    );
    const defaults = snapshotOf(config(doc('Service', '  ports: [{ port: 5432, protocol: tcp }]\n', 'db')));
    assert.deepEqual(
      (defaults[TYPE_URL.listener].get(`outbound|5432||${fqdn}`) as Json).filter_chains[0].filters.at(-1).typed_config
        .idle_timeout,
      { seconds: 3600 },
    );
  });

  it('lets WebSocket upgrades through the outbound and inbound listeners', () => {
    const snapshot = snapshotOf(config());
    for (const name of ['outbound', `inbound|${REVIEWS}`]) {
      assert.deepEqual(
        (snapshot[TYPE_URL.listener].get(name) as Json).filter_chains[0].filters.at(-1).typed_config.upgrade_configs,
        [{ upgrade_type: 'websocket' }],
        name,
      );
    }
  });

  it('adds the fault filter before the router on the outbound listener while some route injects faults', () => {
    const filters = (mesh: ConfigSet) =>
      (
        (snapshotOf(mesh)[TYPE_URL.listener].get('outbound') as Json).filter_chains[0].filters.at(-1).typed_config
          .http_filters as Json[]
      ).map((filter) => filter.name);
    assert.deepEqual(filters(config()), ['envoy.filters.http.router']);
    const faulty = config(
      doc(
        'Route',
        '  host: reviews\n  rules:\n    - destinations: [{ service: reviews }]\n      fault: { abort: { status: 503, percent: 1 } }\n',
      ),
    );
    assert.deepEqual(filters(faulty), ['envoy.filters.http.fault', 'envoy.filters.http.router']);
  });

  it('produces resources that encode as their Envoy types and keep every field through a decode', () => {
    const mesh = config(
      doc(
        'DestinationPolicy',
        '  host: reviews\n  loadBalancer: { policy: ring_hash, hashOn: { header: x-user }, minRingSize: 64 }\n  localityPreference: true\n  connectionPool: { maxConnections: 2, retryBudget: { percent: 10, minRetryConcurrency: 2 }, idleTimeout: 30s }\n  outlierDetection: { consecutiveGatewayErrors: 2, interval: 1s }\n  healthCheck: { path: /h, interval: 1s, timeout: 1s }\n  subsets:\n    - { name: v1, labels: { version: v1 } }\n',
      ),
      doc(
        'Route',
        '  host: reviews\n  rules:\n    - match: [{ headers: { x-a: { present: true } }, query: { q: { regex: a } }, method: GET }]\n      destinations: [{ service: reviews, subset: v1, weight: 50 }, { service: ratings, weight: 50 }]\n      timeout: 1s\n      retries: { attempts: 1, backoff: { base: 1ms } }\n      rewrite: { prefix: /x, host: h }\n      headers: { request: { add: { a: b } } }\n      fault: { delay: { fixed: 1ms, percent: 1 }, abort: { status: 500, percent: 1 } }\n      mirror: { service: ratings, percent: 1 }\n',
      ),
      doc('RateLimit', '  host: reviews\n  limits: [{ requests: 1, per: 1s, key: { header: x-k } }]\n'),
    );
    const snapshot = snapshotOf(mesh);
    for (const typeUrl of RESOURCE_TYPE_URLS) {
      for (const [name, resource] of snapshot[typeUrl]) {
        const decoded = decodeResource(encodeResource(typeUrl, resource));
        assert.equal(decoded['@type'], typeUrl, name);
      }
    }
    const route = decodeResource(
      encodeResource(TYPE_URL.route, snapshot[TYPE_URL.route].get('outbound') as object),
    ) as Json;
    const first = route.virtual_hosts.find((host: Json) => host.name === REVIEWS).routes[0];
    assert.equal(first.typed_per_filter_config['envoy.filters.http.fault'].abort.http_status, 500);
    assert.equal(first.route.request_mirror_policies[0].runtime_fraction.default_value.denominator, 'MILLION');
    assert.equal(first.route.retry_policy.retriable_request_headers[0].name, ':method');
    assert.equal(first.match.query_parameters[0].string_match.safe_regex.regex, 'a');
    const listener = decodeResource(
      encodeResource(TYPE_URL.listener, snapshot[TYPE_URL.listener].get(`inbound|${REVIEWS}`) as object),
    ) as Json;
    const [connectionLimit, hcm] = listener.filter_chains[0].filters as [Json, Json];
    assert.equal(connectionLimit.typed_config.max_connections.value, '1024');
    assert.deepEqual(hcm.typed_config.request_headers_timeout, { seconds: '10', nanos: 0 });
    assert.equal(hcm.typed_config.common_http_protocol_options.max_headers_count.value, 100);
    const limit = hcm.typed_config.route_config.virtual_hosts[0].routes[0];
    assert.equal(
      limit.typed_per_filter_config['envoy.filters.http.local_ratelimit'].descriptors[0].token_bucket.max_tokens,
      1,
    );
    assert.equal(limit.route.rate_limits[0].actions[0].request_headers.header_name, 'x-k');
    const cluster = decodeResource(
      encodeResource(TYPE_URL.cluster, snapshot[TYPE_URL.cluster].get(REVIEWS) as object),
    ) as Json;
    assert.equal(cluster.circuit_breakers.thresholds[0].retry_budget.budget_percent.value, 10);
    assert.equal(cluster.outlier_detection.enforcing_consecutive_gateway_failure.value, 100);
    assert.equal(
      cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']
        .common_http_protocol_options.idle_timeout.seconds,
      '30',
    );
  });
});
