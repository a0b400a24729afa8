import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { objectToStruct, TYPE_URL } from '../../../proto/xds.js';
import { compileProxyConfig } from './compile.js';
import { received, sentResources, type Json, type SentResources } from '../../test-support/compile-fixtures.js';
import { XdsConfigError } from './resource-set.js';

const BACKEND = 'backend.default.svc.cluster.local';

function mesh(): SentResources {
  return sentResources('default', [
    { name: 'backend', namespace: 'default', endpoints: [{ port: 1001 }, { port: 1002 }] },
  ]);
}

type Change = (sent: { listener: Json; hcm: Json; routes: Json; route: Json; cluster: Json; endpoints: Json }) => void;

function rejection(change: Change): string {
  const sent = mesh();
  const [listener, routes, cluster, endpoints] = [
    sent.listeners[0],
    sent.routes[0],
    sent.clusters[0],
    sent.endpoints[0],
  ] as [Json, Json, Json, Json];
  change({
    listener,
    hcm: listener.filter_chains[0].filters.at(-1).typed_config,
    routes,
    route: routes.virtual_hosts[0].routes[0],
    cluster,
    endpoints,
  });
  try {
    const config = compileProxyConfig(received(sent));
    void config.hosts.closeAll();
  } catch (error) {
    assert.ok(error instanceof XdsConfigError, `expected an XdsConfigError, got ${String(error)}`);
    return error.message;
  }
  return assert.fail('the change was accepted');
}

function stdoutLog(fields: Record<string, string>): Json {
  return {
    name: 'envoy.access_loggers.stdout',
    typed_config: { '@type': TYPE_URL.stdoutAccessLog, log_format: { json_format: objectToStruct(fields) } },
  };
}

const STDERR_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog';

const L = 'Listener "outbound": filter_chains[0]';
const HCM = `${L}.filters[1].typed_config`;
const LIMIT = `${L}.filters[0].typed_config`;
const R = 'RouteConfiguration "outbound": virtual_hosts[0]';
const C = `Cluster "${BACKEND}"`;
const E = `ClusterLoadAssignment "${BACKEND}": endpoints[0]`;
const NOT_YET = 'not supported by this sidecar yet';
const ROUTER = 'envoy.filters.http.router';
const HPO = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

describe('NACK messages name the resource, the field and the reason', () => {
  const cases: Array<[name: string, change: Change, message: string | RegExp]> = [
    [
      'a network filter it does not have',
      ({ listener }) => (listener.filter_chains[0].filters[0].name = 'envoy.filters.network.redis_proxy'),
      `${L}.filters[0]: network filter "envoy.filters.network.redis_proxy" is not supported by this sidecar (envoy.filters.network.connection_limit, then envoy.filters.network.http_connection_manager)`,
    ],
    [
      'a connection limit that delays closing',
      ({ listener }) => (listener.filter_chains[0].filters[0].typed_config.delay = { seconds: 1 }),
      `${LIMIT}.delay: not supported by this sidecar yet (delay (an extra connection is closed at once))`,
    ],
    [
      'a connection limit of 0',
      ({ listener }) => (listener.filter_chains[0].filters[0].typed_config.max_connections = { value: 0 }),
      `${LIMIT}.max_connections: must be at least 1`,
    ],
    [
      'a header count limit past what the parsers keep',
      ({ hcm }) => (hcm.common_http_protocol_options = { max_headers_count: { value: 5000 } }),
      `${HCM}.common_http_protocol_options.max_headers_count: must be from 1 to 1000, got 5000`,
    ],
    [
      'a CONNECT upgrade',
      ({ hcm }) => (hcm.upgrade_configs = [{ upgrade_type: 'CONNECT' }]),
      `${HCM}.upgrade_configs[0].upgrade_type: CONNECT is ${NOT_YET}`,
    ],
    [
      'an upgrade with its own filter chain',
      ({ hcm }) => (hcm.upgrade_configs = [{ upgrade_type: 'websocket', filters: [{ name: ROUTER }] }]),
      `${HCM}.upgrade_configs[0].filters: ${NOT_YET} (custom upgrade filter chains)`,
    ],
    [
      'an upgrade without a type',
      ({ hcm }) => (hcm.upgrade_configs = [{ enabled: { value: true } }]),
      `${HCM}.upgrade_configs[0].upgrade_type: is required (e.g. websocket)`,
    ],
    [
      'a second network filter',
      ({ listener }) => listener.filter_chains[0].filters.push({ name: 'envoy.filters.network.rbac' }),
      `${L}.filters[1]: envoy.filters.network.http_connection_manager must be the last filter`,
    ],
    [
      'two filter chains that are not a tls and a raw_buffer one',
      ({ listener }) => listener.filter_chains.push(listener.filter_chains[0]),
      'Listener "outbound": filter_chains[0]: with two chains, the first matches transport_protocol "tls" and has a mutual TLS transport socket',
    ],
    [
      'filter chain matching',
      ({ listener }) => (listener.filter_chains[0].filter_chain_match = { server_names: ['backend'] }),
      `${L}.filter_chain_match: ${NOT_YET} (filter chain matching)`,
    ],
    [
      'a chain for one destination port only',
      ({ listener }) => (listener.filter_chains[0].filter_chain_match = { destination_port: { value: 80 } }),
      'Listener "outbound": filter_chains: expected a chain without destination_port, for the other ports',
    ],
    [
      'an HTTP filter it does not have',
      ({ hcm }) => hcm.http_filters.unshift({ name: 'envoy.filters.http.ext_authz' }),
      `${HCM}.http_filters[0]: HTTP filter "envoy.filters.http.ext_authz" is ${NOT_YET}`,
    ],
    [
      'no router filter',
      ({ hcm }) => (hcm.http_filters = []),
      `${HCM}.http_filters: the last HTTP filter must be envoy.filters.http.router`,
    ],
    [
      'a filter after the router',
      ({ hcm }) => hcm.http_filters.push({ name: 'envoy.filters.http.fault', is_optional: true }),
      `${HCM}.http_filters[0]: envoy.filters.http.router must be the last HTTP filter`,
    ],
    [
      'an HTTP/2-only listener',
      ({ hcm }) => (hcm.codec_type = 'HTTP2'),
      `${HCM}.codec_type: HTTP2 is ${NOT_YET} (AUTO, HTTP1)`,
    ],
    [
      'routes from a source other than ADS',
      ({ hcm }) => (hcm.rds.config_source = { path_config_source: { path: '/etc/routes.yaml' } }),
      `${HCM}.rds.config_source: only ads (or self) is supported`,
    ],
    [
      'scoped routes',
      ({ hcm }) => {
        delete hcm.rds;
        hcm.scoped_routes = { name: 'scoped' };
      },
      `${HCM}: route_specifier scoped_routes is not supported (rds, route_config)`,
    ],
    [
      'an access log operator it does not have',
      ({ hcm }) => (hcm.access_log = [stdoutLog({ peer: '%DOWNSTREAM_PEER_URI_SAN%' })]),
      /^Listener "outbound": filter_chains\[0\]\.filters\[1\]\.typed_config\.access_log\[0\]\.typed_config\.log_format\.json_format\.peer: "%DOWNSTREAM_PEER_URI_SAN%" is not an operator this sidecar knows \(START_TIME, /,
    ],
    [
      'an operator inside text',
      ({ hcm }) => (hcm.access_log = [stdoutLog({ status: 'code %RESPONSE_CODE%' })]),
      /json_format\.status: "code %RESPONSE_CODE%" is not an operator this sidecar knows .*written alone as %NAME%$/,
    ],
    [
      'an access log filter',
      ({ hcm }) =>
        (hcm.access_log = [{ ...stdoutLog({ code: '%RESPONSE_CODE%' }), filter: { not_health_check_filter: {} } }]),
      `${HCM}.access_log[0].filter: access log filters are ${NOT_YET}`,
    ],
    [
      'a stderr access log',
      ({ hcm }) => (hcm.access_log = [{ name: 'envoy.access_loggers.stderr', typed_config: { '@type': STDERR_LOG } }]),
      `${HCM}.access_log[0].typed_config: only ${TYPE_URL.stdoutAccessLog} (envoy.access_loggers.stdout) is supported, got ${STDERR_LOG}`,
    ],
    [
      'a text access log format',
      ({ hcm }) =>
        (hcm.access_log = [
          {
            name: 'envoy.access_loggers.stdout',
            typed_config: {
              '@type': TYPE_URL.stdoutAccessLog,
              log_format: { text_format_source: { inline_string: '%RESPONSE_CODE%' } },
            },
          },
        ]),
      `${HCM}.access_log[0].typed_config.log_format: only json_format is supported`,
    ],
    [
      'a tracing provider',
      ({ hcm }) => (hcm.tracing = { random_sampling: { value: 1 }, provider: { name: 'envoy.tracers.zipkin' } }),
      `${HCM}.tracing.provider: ${NOT_YET} (a tracing provider (spans go to OTEL_EXPORTER_OTLP_ENDPOINT))`,
    ],
    [
      'a sampling share above 100%',
      ({ hcm }) => (hcm.tracing = { random_sampling: { value: 150 } }),
      `${HCM}.tracing.random_sampling.value: must be a percentage from 0 to 100, got 150`,
    ],
    [
      'an invalid route regex',
      ({ route }) => (route.match = { safe_regex: { regex: '(' } }),
      /^RouteConfiguration "outbound": virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex: invalid regex "\(": Invalid regular expression: \/\(\/: /,
    ],
    [
      'a regex RE2 would reject',
      ({ route }) => (route.match = { safe_regex: { regex: '/(?!admin).*' } }),
      `${R}.routes[0].match.safe_regex: invalid regex "/(?!admin).*": lookaround and backreferences are not RE2 syntax`,
    ],
    [
      'a header regex RE2 would reject',
      ({ route }) => (route.match.headers = [{ name: 'x-canary', safe_regex_match: { regex: '(a)\\1' } }]),
      `${R}.routes[0].match.headers[0].safe_regex_match.regex: invalid regex "(a)\\1": lookaround and backreferences are not RE2 syntax`,
    ],
    [
      'a query parameter match without a name',
      ({ route }) => (route.match.query_parameters = [{ present_match: true }]),
      `${R}.routes[0].match.query_parameters[0].name: is required`,
    ],
    [
      'a separated-prefix match',
      ({ route }) => (route.match = { path_separated_prefix: '/api' }),
      `${R}.routes[0].match: path_specifier path_separated_prefix is ${NOT_YET} (prefix, path, safe_regex)`,
    ],
    [
      'case-insensitive matching',
      ({ route }) => (route.match.case_sensitive = { value: false }),
      `${R}.routes[0].match.case_sensitive: case-insensitive matching is ${NOT_YET}`,
    ],
    [
      'weighted clusters that all weigh 0',
      ({ route }) => (route.route = { weighted_clusters: { clusters: [{ name: BACKEND, weight: { value: 0 } }] } }),
      `${R}.routes[0].route.weighted_clusters.clusters: needs at least one cluster with a weight above 0`,
    ],
    [
      'a retry condition it does not have',
      ({ route }) => (route.route.retry_policy = { retry_on: '5xx,envoy-ratelimited' }),
      `${R}.routes[0].route.retry_policy.retry_on: "envoy-ratelimited" is ${NOT_YET} (5xx, gateway-error, reset, connect-failure, refused-stream, retriable-4xx, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable)`,
    ],
    [
      'a backoff ceiling below its base',
      ({ route }) =>
        (route.route.retry_policy = {
          retry_on: '5xx',
          retry_back_off: { base_interval: { nanos: 100e6 }, max_interval: { nanos: 50e6 } },
        }),
      `${R}.routes[0].route.retry_policy.retry_back_off.max_interval: must not be below base_interval`,
    ],
    [
      'a header value with a formatter',
      ({ route }) =>
        (route.request_headers_to_add = [{ header: { key: 'x-peer', value: '%DOWNSTREAM_REMOTE_ADDRESS%' } }]),
      `${R}.routes[0].request_headers_to_add[0].header.value: "%DOWNSTREAM_REMOTE_ADDRESS%": %COMMAND% substitution is ${NOT_YET}`,
    ],
    [
      'a fault that aborts with a gRPC status',
      ({ route }) =>
        (route.typed_per_filter_config = {
          'envoy.filters.http.fault': {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
            abort: { grpc_status: 14, percentage: { numerator: 1 } },
          },
        }),
      `${R}.routes[0].typed_per_filter_config["envoy.filters.http.fault"].abort: needs http_status (grpc_status and header_abort are not supported)`,
    ],
    [
      'a redirect',
      ({ route }) => {
        delete route.route;
        route.redirect = { path_redirect: '/elsewhere' };
      },
      `${R}.routes[0]: action redirect is ${NOT_YET} (route)`,
    ],
    [
      'a direct response',
      ({ route }) => {
        delete route.route;
        route.direct_response = { status: 200 };
      },
      `${R}.routes[0]: action direct_response is ${NOT_YET} (route)`,
    ],
    [
      'a prefix rewrite of a regex match',
      ({ route }) => {
        route.match = { safe_regex: { regex: '/v1/.*' } };
        route.route.prefix_rewrite = '/v2/';
      },
      `${R}.routes[0].route.prefix_rewrite: needs a prefix or path match, not a regex`,
    ],
    [
      'a hedge policy',
      ({ route }) => (route.route.hedge_policy = { hedge_on_per_try_timeout: true }),
      `${R}.routes[0].route.hedge_policy: ${NOT_YET} (hedging)`,
    ],
    [
      'a duplicate domain',
      ({ routes }) => routes.virtual_hosts.push({ ...routes.virtual_hosts[0], name: 'copy', domains: ['BACKEND'] }),
      'RouteConfiguration "outbound": virtual_hosts[1].domains[0]: "BACKEND" is a domain of more than one virtual host',
    ],
    [
      'a wildcard in the middle',
      ({ routes }) => (routes.virtual_hosts[0].domains = ['a.*.b']),
      `${R}.domains[0]: "a.*.b": a wildcard may only be the whole domain or stand at its start or end`,
    ],
    [
      'a virtual host without domains',
      ({ routes }) => (routes.virtual_hosts[0].domains = []),
      `${R}.domains: needs at least one domain`,
    ],
    [
      'an upstream protocol picked by ALPN',
      ({ cluster }) =>
        (cluster.typed_extension_protocol_options = {
          [HPO]: { '@type': TYPE_URL.httpProtocolOptions, auto_config: {} },
        }),
      `${C}: typed_extension_protocol_options["${HPO}"].auto_config: not supported by this sidecar (auto_config picks the protocol by TLS ALPN; use explicit_http_config or use_downstream_protocol_config)`,
    ],
    [
      'HTTP/2 settings it does not apply',
      ({ cluster }) =>
        (cluster.typed_extension_protocol_options = {
          [HPO]: {
            '@type': TYPE_URL.httpProtocolOptions,
            explicit_http_config: { http2_protocol_options: { max_concurrent_streams: { value: 10 } } },
          },
        }),
      `${C}: typed_extension_protocol_options["${HPO}"].explicit_http_config.http2_protocol_options.max_concurrent_streams: ${NOT_YET} (HTTP/2 settings)`,
    ],
    [
      'HTTP/3 as the downstream protocol',
      ({ cluster }) =>
        (cluster.typed_extension_protocol_options = {
          [HPO]: {
            '@type': TYPE_URL.httpProtocolOptions,
            use_downstream_protocol_config: { http3_protocol_options: {} },
          },
        }),
      `${C}: typed_extension_protocol_options["${HPO}"].use_downstream_protocol_config.http3_protocol_options: not supported by this sidecar (HTTP/3)`,
    ],
    [
      'a load balancer it does not have',
      ({ cluster }) => (cluster.lb_policy = 'MAGLEV'),
      `${C}: lb_policy: MAGLEV is ${NOT_YET} (ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH)`,
    ],
    [
      'a ring whose minimum is above its maximum',
      ({ cluster }) => {
        cluster.lb_policy = 'RING_HASH';
        cluster.ring_hash_lb_config = { minimum_ring_size: { value: 4096 }, maximum_ring_size: { value: 1024 } };
      },
      `${C}: ring_hash_lb_config.minimum_ring_size: 4096 is above maximum_ring_size 1024`,
    ],
    [
      'least request with one choice',
      ({ cluster }) => {
        cluster.lb_policy = 'LEAST_REQUEST';
        cluster.least_request_lb_config = { choice_count: { value: 1 } };
      },
      `${C}: least_request_lb_config.choice_count: must be at least 2`,
    ],
    [
      'panic routing',
      ({ cluster }) => (cluster.common_lb_config = { healthy_panic_threshold: { value: 50 } }),
      `${C}: common_lb_config.healthy_panic_threshold: panic routing is ${NOT_YET} (only 0, which turns it off)`,
    ],
    [
      'a cluster type it does not have',
      ({ cluster }) => (cluster.type = 'LOGICAL_DNS'),
      `${C}: type: LOGICAL_DNS is ${NOT_YET} (EDS, STATIC)`,
    ],
    [
      'a STATIC cluster without endpoints',
      ({ cluster }) => {
        delete cluster.type;
        delete cluster.eds_cluster_config;
      },
      `${C}: load_assignment: a STATIC cluster needs its endpoints here`,
    ],
    [
      'endpoints from a source other than ADS',
      ({ cluster }) => (cluster.eds_cluster_config.eds_config = { path_config_source: { path: '/eds.yaml' } }),
      `${C}: eds_cluster_config.eds_config: only ads (or self) is supported`,
    ],
    [
      'a zero connect timeout',
      ({ cluster }) => (cluster.connect_timeout = { seconds: '0' }),
      `${C}: connect_timeout: must be positive`,
    ],
    [
      'a transport socket without its typed config',
      ({ cluster }) => (cluster.transport_socket = { name: 'envoy.transport_sockets.tls' }),
      `${C}: transport_socket.typed_config: expected ${TYPE_URL.upstreamTlsContext} or ${TYPE_URL.rawBuffer}, got none`,
    ],
    [
      'success rate outlier detection',
      ({ cluster }) => (cluster.outlier_detection = { enforcing_success_rate: { value: 100 } }),
      `${C}: outlier_detection.enforcing_success_rate: ${NOT_YET} (only 0: the detector is not implemented)`,
    ],
    [
      'a max ejection percent above 100',
      ({ cluster }) => (cluster.outlier_detection = { max_ejection_percent: { value: 150 } }),
      `${C}: outlier_detection.max_ejection_percent: 150 is above 100 (a percentage)`,
    ],
    [
      'a zero ejection time',
      ({ cluster }) => (cluster.outlier_detection = { base_ejection_time: { seconds: 0 } }),
      `${C}: outlier_detection.base_ejection_time: must be positive`,
    ],
    [
      'a gRPC health check with initial metadata',
      ({ cluster }) =>
        (cluster.health_checks = [
          {
            timeout: { seconds: 1 },
            interval: { seconds: 1 },
            healthy_threshold: { value: 1 },
            unhealthy_threshold: { value: 1 },
            grpc_health_check: { initial_metadata: [{ header: { key: 'x', value: 'y' } }] },
          },
        ]),
      `${C}: health_checks[0].grpc_health_check.initial_metadata: ${NOT_YET} (initial metadata)`,
    ],
    [
      'a health check without an interval',
      ({ cluster }) =>
        (cluster.health_checks = [
          {
            timeout: { seconds: 1 },
            healthy_threshold: { value: 1 },
            unhealthy_threshold: { value: 1 },
            http_health_check: { path: '/healthz' },
          },
        ]),
      `${C}: health_checks[0].interval: is required`,
    ],
    [
      'a health check without http_health_check',
      ({ cluster }) =>
        (cluster.health_checks = [
          {
            timeout: { seconds: 1 },
            interval: { seconds: 1 },
            healthy_threshold: { value: 1 },
            unhealthy_threshold: { value: 1 },
          },
        ]),
      `${C}: health_checks[0]: needs http_health_check or grpc_health_check`,
    ],
    [
      'circuit breakers for the HIGH priority',
      ({ cluster }) => (cluster.circuit_breakers = { thresholds: [{ priority: 'HIGH', max_requests: { value: 1 } }] }),
      `${C}: circuit_breakers.thresholds[0].priority: HIGH is ${NOT_YET} (endpoint priorities; DEFAULT only)`,
    ],
    [
      'per-host circuit breakers',
      ({ cluster }) => (cluster.circuit_breakers = { per_host_thresholds: [{ max_connections: { value: 1 } }] }),
      `${C}: circuit_breakers.per_host_thresholds: ${NOT_YET} (per-host limits)`,
    ],
    [
      'a zero idle timeout',
      ({ cluster }) =>
        (cluster.typed_extension_protocol_options = {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': TYPE_URL.httpProtocolOptions,
            common_http_protocol_options: { idle_timeout: { seconds: 0 } },
            explicit_http_config: { http_protocol_options: {} },
          },
        }),
      `${C}: typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].common_http_protocol_options.idle_timeout: must be positive (0, no idle timeout, is not supported)`,
    ],
    [
      'an endpoint without a port',
      ({ endpoints }) => (endpoints.endpoints[0].lb_endpoints[1].endpoint.address.socket_address.port_value = 0),
      `${E}.lb_endpoints[1].endpoint.address.socket_address.port_value: needs a port in 1-65535`,
    ],
    [
      'an endpoint by DNS name',
      ({ endpoints }) =>
        (endpoints.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address = 'backend-1.local'),
      `${E}.lb_endpoints[0].endpoint.address.socket_address.address: "backend-1.local" is not an IP address`,
    ],
    [
      'endpoint priorities',
      ({ endpoints }) => (endpoints.endpoints[0].priority = 1),
      `${E}.priority: ${NOT_YET} (endpoint priorities)`,
    ],
    [
      'unequal endpoint weights',
      ({ endpoints }) => (endpoints.endpoints[0].lb_endpoints[1].load_balancing_weight = { value: 3 }),
      `${E}.lb_endpoints[1].load_balancing_weight: weighted round robin is ${NOT_YET} (all endpoints need the same weight, here 1)`,
    ],
  ];
  for (const [name, change, message] of cases) {
    it(`rejects ${name}`, () =>
      typeof message === 'string'
        ? assert.equal(rejection(change), message)
        : assert.match(rejection(change), message));
  }

  it('skips an optional HTTP filter it does not have, as Envoy does', async () => {
    const sent = mesh();
    sent.listeners[0]!.filter_chains[0].filters.at(-1).typed_config.http_filters.unshift({
      name: 'envoy.filters.http.ext_authz',
      is_optional: true,
    });
    const config = compileProxyConfig(received(sent));
    assert.ok(config.listeners.get('outbound')?.routeTable);
    await config.hosts.closeAll();
  });

  it('allows the upgrades upgrade_configs enables, and closes idle upgraded connections on stream_idle_timeout', async () => {
    const sent = mesh();
    const hcm = sent.listeners[0]!.filter_chains[0].filters.at(-1).typed_config;
    hcm.upgrade_configs = [{ upgrade_type: 'WebSocket' }, { upgrade_type: 'h2c', enabled: { value: false } }];
    hcm.stream_idle_timeout = { seconds: 30 };
    const config = compileProxyConfig(received(sent));
    const routes = config.listeners.get('outbound');
    assert.deepEqual([...(routes?.upgradeTypes ?? [])], ['websocket']);
    assert.equal(routes?.streamIdleTimeoutMs, 30_000);
    await config.hosts.closeAll();
  });

  it('leaves the version in force untouched when it rejects the next one', async () => {
    const good = received(mesh());
    const before = compileProxyConfig(good);
    const host = before.clusters.get(BACKEND)?.endpoints[0]?.host;
    const bad = mesh();
    bad.endpoints[0]!.endpoints[0].lb_endpoints[1].endpoint.address.socket_address.port_value = 0;
    assert.throws(() => compileProxyConfig({ ...good, endpoints: received(bad).endpoints }, before), XdsConfigError);
    assert.equal(host !== undefined && before.hosts.has(host), true, 'its pools stay open');
    await before.hosts.closeAll();
  });
});
