// Compiles a Cluster and its endpoints (from EDS, or its own load_assignment when STATIC) into the
// cluster the request path uses: endpoints bound to their long-lived upstream hosts, and the
// cluster's traffic policy (balancer, locality preference, circuit breakers, outlier detection,
// active health checks), each checked here once with errors naming the field.
import { isIP } from 'node:net';
import type { CircuitBreakers__Output } from '../../../proto/gen/envoy/config/cluster/v3/CircuitBreakers.js';
import type { Cluster__Output } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { OutlierDetection__Output } from '../../../proto/gen/envoy/config/cluster/v3/OutlierDetection.js';
import type { HealthCheck__Output } from '../../../proto/gen/envoy/config/core/v3/HealthCheck.js';
import type { ClusterLoadAssignment__Output } from '../../../proto/gen/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Int64Range__Output } from '../../../proto/gen/envoy/type/v3/Int64Range.js';
import type { Duration__Output } from '../../../proto/gen/google/protobuf/Duration.js';
import { TYPE_URL } from '../../../proto/xds.js';
import { DEFAULT_LIMITS, DEFAULT_RETRY_BUDGET, type CircuitBreakerLimits } from '../cluster/circuit-breaker.js';
import type { ClusterPolicy, UpstreamProtocol } from '../cluster/cluster.js';
import { isUsableHealth, type ClusterEndpoint } from '../cluster/cluster-endpoint.js';
import { DEFAULT_EXPECTED_STATUSES, type HealthCheckConfig, type StatusRange } from '../cluster/health-checker.js';
import { loadBalancerPolicies } from '../cluster/load-balancer-registry.js';
import { DEFAULT_LOAD_BALANCER_OPTIONS } from '../cluster/load-balancer.js';
import { DEFAULT_OUTLIER_DETECTION, type OutlierDetectionConfig } from '../cluster/outlier-detector.js';
import type { HostRegistry } from '../upstream/host-registry.js';
import { isAdsSource } from './compile-config-source.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { durationMs } from './duration.js';

// Envoy's default connect_timeout.
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
// ring_hash_lb_config bounds (cluster.proto).
const MAX_RING_SIZE = 8_388_608;

const UNSUPPORTED_CLUSTER: UnsupportedFields = [
  ['transport_socket', 'TLS (transport_socket)'],
  ['transport_socket_matches', 'TLS (transport_socket_matches)'],
  ['load_balancing_policy', 'load_balancing_policy'],
  ['lb_subset_config', 'subset load balancing'],
  [
    'http2_protocol_options',
    'the deprecated field; HttpProtocolOptions explicit_http_config.http2_protocol_options says HTTP/2',
  ],
  ['upstream_config', 'custom upstream config'],
  ['filters', 'cluster network filters'],
  ['round_robin_lb_config', 'slow start'],
];
const UNSUPPORTED_LEAST_REQUEST: UnsupportedFields = [
  ['active_request_bias', 'weighted least request'],
  ['slow_start_config', 'slow start'],
];
const UNSUPPORTED_COMMON_LB: UnsupportedFields = [
  ['update_merge_window', 'merged host updates'],
  ['close_connections_on_host_set_change', 'closing connections on host set changes'],
  ['consistent_hashing_lb_config', 'consistent hashing options'],
  ['override_host_status', 'host override'],
];
const UNSUPPORTED_OUTLIER_DETECTION: UnsupportedFields = [
  ['success_rate_minimum_hosts', 'success rate outlier detection'],
  ['success_rate_request_volume', 'success rate outlier detection'],
  ['success_rate_stdev_factor', 'success rate outlier detection'],
  ['failure_percentage_threshold', 'failure percentage outlier detection'],
  ['failure_percentage_minimum_hosts', 'failure percentage outlier detection'],
  ['failure_percentage_request_volume', 'failure percentage outlier detection'],
  ['split_external_local_origin_errors', 'local origin errors counted apart'],
  ['consecutive_local_origin_failure', 'local origin errors counted apart'],
  ['max_ejection_time_jitter', 'ejection time jitter'],
  ['monitors', 'outlier monitors'],
];
// Detectors this sidecar does not have may be present only to switch them off (Istio sends 0).
const ENFORCING_ZERO_ONLY = [
  'enforcing_success_rate',
  'enforcing_failure_percentage',
  'enforcing_failure_percentage_local_origin',
  'enforcing_consecutive_local_origin_failure',
  'enforcing_local_origin_success_rate',
] as const;
const UNSUPPORTED_THRESHOLDS: UnsupportedFields = [
  ['track_remaining', 'remaining-capacity stats'],
  ['max_connection_pools', 'max_connection_pools'],
];
const UNSUPPORTED_HEALTH_CHECK: UnsupportedFields = [
  ['tcp_health_check', 'TCP health checks'],
  ['custom_health_check', 'custom health checks'],
  ['alt_port', 'health checks on another port'],
  ['interval_jitter', 'health check jitter'],
  ['interval_jitter_percent', 'health check jitter'],
  ['initial_jitter', 'health check jitter'],
  ['unhealthy_interval', 'per-state health check intervals'],
  ['unhealthy_edge_interval', 'per-state health check intervals'],
  ['healthy_edge_interval', 'per-state health check intervals'],
  ['no_traffic_healthy_interval', 'per-state health check intervals'],
  ['event_log_path', 'health check event logs'],
  ['event_logger', 'health check event logs'],
  ['event_service', 'health check event logs'],
  ['tls_options', 'TLS health checks'],
  ['transport_socket_match_criteria', 'TLS health checks'],
];
const UNSUPPORTED_HTTP_HEALTH_CHECK: UnsupportedFields = [
  ['send', 'health check payloads'],
  ['receive', 'health check payloads'],
  ['request_headers_to_add', 'health check request headers'],
  ['request_headers_to_remove', 'health check request headers'],
  ['service_name_matcher', 'service_name_matcher'],
];
// Http2ProtocolOptions: the session runs with Node's HTTP/2 defaults.
const UNSUPPORTED_HTTP2_OPTIONS: UnsupportedFields = [
  ['hpack_table_size', 'HTTP/2 settings'],
  ['max_concurrent_streams', 'HTTP/2 settings'],
  ['initial_stream_window_size', 'HTTP/2 settings'],
  ['initial_connection_window_size', 'HTTP/2 settings'],
  ['allow_connect', 'extended CONNECT'],
  ['allow_metadata', 'METADATA frames'],
  ['max_outbound_frames', 'HTTP/2 flood limits'],
  ['max_outbound_control_frames', 'HTTP/2 flood limits'],
  ['max_consecutive_inbound_frames_with_empty_payload', 'HTTP/2 flood limits'],
  ['max_inbound_priority_frames_per_stream', 'HTTP/2 flood limits'],
  ['max_inbound_window_update_frames_per_data_frame_sent', 'HTTP/2 flood limits'],
  ['custom_settings_parameters', 'HTTP/2 settings'],
  ['connection_keepalive', 'HTTP/2 keepalive PINGs'],
  ['use_oghttp2_codec', 'oghttp2'],
  ['max_metadata_size', 'METADATA frames'],
];
const UNSUPPORTED_LOCALITY: UnsupportedFields = [
  ['priority', 'endpoint priorities'],
  ['leds_cluster_locality_config', 'LEDS'],
];

/** What a Cluster says that the request path needs, once checked. */
export interface CheckedCluster {
  name: string;
  /** The ClusterLoadAssignment to take from EDS; undefined when STATIC (its own load_assignment). */
  edsName: string | undefined;
  connectTimeoutMs: number;
  /** HttpProtocolOptions common_http_protocol_options.idle_timeout; undefined: the pools' default. */
  idleTimeoutMs: number | undefined;
  policy: ClusterPolicy;
}

/** Checks what of a Cluster this sidecar honours; throws XdsConfigError for anything it would not. */
export function checkCluster(cluster: Cluster__Output): CheckedCluster {
  const name = cluster.name ?? '';
  const resource: ResourceRef = `Cluster "${name}"`;
  rejectUnsupported(resource, '', cluster, UNSUPPORTED_CLUSTER);
  const { idleTimeoutMs, protocol } = checkProtocolOptions(resource, cluster.typed_extension_protocol_options ?? {});
  const connectTimeoutMs =
    cluster.connect_timeout === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : durationMs(cluster.connect_timeout);
  if (!(connectTimeoutMs > 0)) throw configError(resource, 'connect_timeout', 'must be positive');
  const policy: ClusterPolicy = {
    protocol,
    loadBalancer: checkLoadBalancer(resource, cluster),
    isZoneAware: checkCommonLbConfig(resource, cluster),
    limits: checkCircuitBreakers(resource, cluster.circuit_breakers),
    outlierDetection:
      cluster.outlier_detection === undefined ? undefined : checkOutlierDetection(resource, cluster.outlier_detection),
    healthCheck: checkHealthChecks(resource, name, cluster.health_checks ?? []),
  };
  if (cluster.cluster_discovery_type === 'cluster_type')
    throw configError(resource, 'cluster_type', 'custom cluster types are not supported by this sidecar');
  const type = cluster.type ?? 'STATIC';
  if (type === 'EDS') {
    if (!isAdsSource(cluster.eds_cluster_config?.eds_config))
      throw configError(resource, 'eds_cluster_config.eds_config', 'only ads (or self) is supported');
    return { name, edsName: edsNameOf(cluster), connectTimeoutMs, idleTimeoutMs, policy };
  }
  if (type === 'STATIC') {
    if (cluster.load_assignment === undefined)
      throw configError(resource, 'load_assignment', 'a STATIC cluster needs its endpoints here');
    return { name, edsName: undefined, connectTimeoutMs, idleTimeoutMs, policy };
  }
  throw configError(resource, 'type', `${type} is not supported by this sidecar yet (EDS, STATIC)`);
}

/** The ClusterLoadAssignment an EDS cluster reads: its service_name, or else its own name. */
export function edsNameOf(cluster: Cluster__Output): string {
  return cluster.eds_cluster_config?.service_name || (cluster.name ?? '');
}

type ProtocolOptions = {
  '@type'?: string;
  upstream_protocol_options?: string;
  explicit_http_config?: { protocol_config?: string; http_protocol_options?: object; http2_protocol_options?: object };
  use_downstream_protocol_config?: {
    http_protocol_options?: object;
    http2_protocol_options?: object;
    http3_protocol_options?: object;
  };
  common_http_protocol_options?: { idle_timeout?: Duration__Output };
};

/** Checks the HTTP protocol options: the upstream protocol, and the idle timeout when one is set. */
function checkProtocolOptions(
  resource: ResourceRef,
  options: Record<string, unknown>,
): { idleTimeoutMs: number | undefined; protocol: UpstreamProtocol } {
  let idleTimeoutMs: number | undefined;
  let protocol: UpstreamProtocol = 'http1';
  for (const [key, value] of Object.entries(options)) {
    const path = `typed_extension_protocol_options["${key}"]`;
    const typed = value as ProtocolOptions;
    if (key !== HTTP_PROTOCOL_OPTIONS || typed['@type'] !== TYPE_URL.httpProtocolOptions) {
      throw configError(resource, path, `only ${HTTP_PROTOCOL_OPTIONS} is supported`);
    }
    protocol = checkUpstreamProtocol(resource, path, typed);
    const idleTimeout = typed.common_http_protocol_options?.idle_timeout;
    if (idleTimeout !== undefined) {
      idleTimeoutMs = durationMs(idleTimeout);
      // Envoy reads 0 as "never": an idle connection kept forever races the app's own close.
      if (!(idleTimeoutMs > 0))
        throw configError(
          resource,
          `${path}.common_http_protocol_options.idle_timeout`,
          'must be positive (0, no idle timeout, is not supported)',
        );
    }
  }
  return { idleTimeoutMs, protocol };
}

/** explicit_http_config (HTTP/1.1 or HTTP/2) or use_downstream_protocol_config; auto_config needs TLS ALPN. */
function checkUpstreamProtocol(resource: ResourceRef, path: string, typed: ProtocolOptions): UpstreamProtocol {
  const choice = typed.upstream_protocol_options;
  if (choice === undefined) return 'http1';
  if (choice === 'explicit_http_config') {
    const explicit = typed.explicit_http_config ?? {};
    if (explicit.protocol_config === 'http2_protocol_options') {
      rejectUnsupported(
        resource,
        `${path}.explicit_http_config.http2_protocol_options`,
        explicit.http2_protocol_options ?? {},
        UNSUPPORTED_HTTP2_OPTIONS,
      );
      return 'http2';
    }
    if (explicit.protocol_config === 'http_protocol_options' || explicit.protocol_config === undefined) return 'http1';
    throw configError(
      resource,
      `${path}.explicit_http_config.${explicit.protocol_config}`,
      'not supported by this sidecar (HTTP/1.1 or HTTP/2 only)',
    );
  }
  if (choice === 'use_downstream_protocol_config') {
    const downstream = typed.use_downstream_protocol_config ?? {};
    if (downstream.http3_protocol_options !== undefined)
      throw configError(
        resource,
        `${path}.use_downstream_protocol_config.http3_protocol_options`,
        'not supported by this sidecar (HTTP/3)',
      );
    rejectUnsupported(
      resource,
      `${path}.use_downstream_protocol_config.http2_protocol_options`,
      downstream.http2_protocol_options ?? {},
      UNSUPPORTED_HTTP2_OPTIONS,
    );
    return 'downstream';
  }
  throw configError(
    resource,
    `${path}.${choice}`,
    'not supported by this sidecar (auto_config picks the protocol by TLS ALPN; use explicit_http_config or use_downstream_protocol_config)',
  );
}

function checkLoadBalancer(resource: ResourceRef, cluster: Cluster__Output): ClusterPolicy['loadBalancer'] {
  const name = cluster.lb_policy ?? 'ROUND_ROBIN';
  const policy = loadBalancerPolicies.get(name);
  if (policy === undefined) {
    throw configError(
      resource,
      'lb_policy',
      `${name} is not supported by this sidecar yet (${[...loadBalancerPolicies.keys()].join(', ')})`,
    );
  }
  const options = { ...DEFAULT_LOAD_BALANCER_OPTIONS };
  const leastRequest = cluster.least_request_lb_config;
  if (leastRequest !== undefined) {
    rejectUnsupported(resource, 'least_request_lb_config', leastRequest, UNSUPPORTED_LEAST_REQUEST);
    if (leastRequest.choice_count !== undefined) {
      options.choiceCount = leastRequest.choice_count.value ?? 0;
      if (options.choiceCount < 2)
        throw configError(resource, 'least_request_lb_config.choice_count', 'must be at least 2');
    }
  }
  const ring = cluster.ring_hash_lb_config;
  if (ring !== undefined) {
    if (ring.minimum_ring_size !== undefined) options.minRingSize = Number(ring.minimum_ring_size.value ?? 0);
    if (ring.maximum_ring_size !== undefined) options.maxRingSize = Number(ring.maximum_ring_size.value ?? 0);
    if (!(options.minRingSize >= 1 && options.minRingSize <= MAX_RING_SIZE))
      throw configError(resource, 'ring_hash_lb_config.minimum_ring_size', `must be in 1-${MAX_RING_SIZE}`);
    if (!(options.maxRingSize >= 1 && options.maxRingSize <= MAX_RING_SIZE))
      throw configError(resource, 'ring_hash_lb_config.maximum_ring_size', `must be in 1-${MAX_RING_SIZE}`);
    if (options.minRingSize > options.maxRingSize)
      throw configError(
        resource,
        'ring_hash_lb_config.minimum_ring_size',
        `${options.minRingSize} is above maximum_ring_size ${options.maxRingSize}`,
      );
  }
  return policy(options);
}

/** Returns whether the cluster prefers the sidecar's own zone (zone_aware_lb_config). */
function checkCommonLbConfig(resource: ResourceRef, cluster: Cluster__Output): boolean {
  const common = cluster.common_lb_config;
  if (common === undefined) return false;
  rejectUnsupported(resource, 'common_lb_config', common, UNSUPPORTED_COMMON_LB);
  // No panic mode here: when few endpoints are available, only they get traffic, which is
  // Envoy's behaviour with the threshold at 0.
  const panic = common.healthy_panic_threshold;
  if (panic !== undefined && (panic.value ?? 0) !== 0) {
    throw configError(
      resource,
      'common_lb_config.healthy_panic_threshold',
      'panic routing is not supported by this sidecar yet (only 0, which turns it off)',
    );
  }
  // locality_weighted_lb_config is accepted: every endpoint weighs the same, whatever its locality.
  return common.locality_config_specifier === 'zone_aware_lb_config' || common.zone_aware_lb_config !== undefined;
}

function checkCircuitBreakers(
  resource: ResourceRef,
  breakers: CircuitBreakers__Output | undefined,
): CircuitBreakerLimits {
  if (breakers === undefined) return DEFAULT_LIMITS;
  if ((breakers.per_host_thresholds ?? []).length > 0)
    throw configError(
      resource,
      'circuit_breakers.per_host_thresholds',
      'not supported by this sidecar yet (per-host limits)',
    );
  let limits: CircuitBreakerLimits | undefined;
  (breakers.thresholds ?? []).forEach((thresholds, index) => {
    const path = `circuit_breakers.thresholds[${index}]`;
    const priority = thresholds.priority ?? 'DEFAULT';
    if (priority !== 'DEFAULT')
      throw configError(
        resource,
        `${path}.priority`,
        `${priority} is not supported by this sidecar yet (endpoint priorities; DEFAULT only)`,
      );
    if (limits !== undefined) throw configError(resource, `${path}.priority`, 'DEFAULT has thresholds already');
    rejectUnsupported(resource, path, thresholds, UNSUPPORTED_THRESHOLDS);
    const budget = thresholds.retry_budget;
    let retryBudget: CircuitBreakerLimits['retryBudget'];
    if (budget !== undefined) {
      const budgetPercent =
        budget.budget_percent === undefined
          ? DEFAULT_RETRY_BUDGET.budgetPercent
          : Number(budget.budget_percent.value ?? 0);
      if (!(budgetPercent >= 0 && budgetPercent <= 100))
        throw configError(resource, `${path}.retry_budget.budget_percent`, 'must be in 0-100');
      retryBudget = {
        budgetPercent,
        minRetryConcurrency:
          budget.min_retry_concurrency === undefined
            ? DEFAULT_RETRY_BUDGET.minRetryConcurrency
            : (budget.min_retry_concurrency.value ?? 0),
      };
    }
    limits = {
      maxConnections:
        thresholds.max_connections === undefined
          ? DEFAULT_LIMITS.maxConnections
          : (thresholds.max_connections.value ?? 0),
      maxPendingRequests:
        thresholds.max_pending_requests === undefined
          ? DEFAULT_LIMITS.maxPendingRequests
          : (thresholds.max_pending_requests.value ?? 0),
      maxRequests:
        thresholds.max_requests === undefined ? DEFAULT_LIMITS.maxRequests : (thresholds.max_requests.value ?? 0),
      maxRetries:
        thresholds.max_retries === undefined ? DEFAULT_LIMITS.maxRetries : (thresholds.max_retries.value ?? 0),
      retryBudget,
    };
  });
  return limits ?? DEFAULT_LIMITS;
}

function checkOutlierDetection(resource: ResourceRef, outlier: OutlierDetection__Output): OutlierDetectionConfig {
  const base = 'outlier_detection';
  rejectUnsupported(resource, base, outlier, UNSUPPORTED_OUTLIER_DETECTION);
  for (const field of ENFORCING_ZERO_ONLY) {
    const wrapper = outlier[field];
    if (wrapper !== undefined && (wrapper.value ?? 0) !== 0)
      throw configError(
        resource,
        `${base}.${field}`,
        'not supported by this sidecar yet (only 0: the detector is not implemented)',
      );
  }
  const defaults = DEFAULT_OUTLIER_DETECTION;
  const count = (field: 'consecutive_5xx' | 'consecutive_gateway_failure', fallback: number): number => {
    const value = outlier[field] === undefined ? fallback : (outlier[field]?.value ?? 0);
    if (value < 1) throw configError(resource, `${base}.${field}`, 'must be at least 1');
    return value;
  };
  const percent = (
    field: 'enforcing_consecutive_5xx' | 'enforcing_consecutive_gateway_failure' | 'max_ejection_percent',
    fallback: number,
  ): number => {
    const value = outlier[field] === undefined ? fallback : (outlier[field]?.value ?? 0);
    if (value > 100) throw configError(resource, `${base}.${field}`, `${value} is above 100 (a percentage)`);
    return value;
  };
  const duration = (field: 'interval' | 'base_ejection_time' | 'max_ejection_time', fallback: number): number => {
    const value = outlier[field] === undefined ? fallback : durationMs(outlier[field]);
    if (!(value > 0)) throw configError(resource, `${base}.${field}`, 'must be positive');
    return value;
  };
  const baseEjectionTimeMs = duration('base_ejection_time', defaults.baseEjectionTimeMs);
  return {
    consecutive5xx: count('consecutive_5xx', defaults.consecutive5xx),
    consecutiveGatewayFailure: count('consecutive_gateway_failure', defaults.consecutiveGatewayFailure),
    enforcingConsecutive5xx: percent('enforcing_consecutive_5xx', defaults.enforcingConsecutive5xx),
    enforcingConsecutiveGatewayFailure: percent(
      'enforcing_consecutive_gateway_failure',
      defaults.enforcingConsecutiveGatewayFailure,
    ),
    intervalMs: duration('interval', defaults.intervalMs),
    baseEjectionTimeMs,
    // Unset: 300 s, or base_ejection_time when that is longer (outlier_detection.proto).
    maxEjectionTimeMs:
      outlier.max_ejection_time === undefined
        ? Math.max(defaults.maxEjectionTimeMs, baseEjectionTimeMs)
        : duration('max_ejection_time', 0),
    maxEjectionPercent: percent('max_ejection_percent', defaults.maxEjectionPercent),
    alwaysEjectOneHost: outlier.always_eject_one_host?.value === true,
    healthCheckUnejects:
      outlier.successful_active_health_check_uneject_host === undefined ||
      outlier.successful_active_health_check_uneject_host.value === true,
  };
}

function checkHealthChecks(
  resource: ResourceRef,
  clusterName: string,
  checks: HealthCheck__Output[],
): HealthCheckConfig | undefined {
  if (checks.length === 0) return undefined;
  if (checks.length > 1)
    throw configError(
      resource,
      'health_checks',
      `${checks.length} health checks: only one is supported by this sidecar yet`,
    );
  const check = checks[0] as HealthCheck__Output;
  const path = 'health_checks[0]';
  rejectUnsupported(resource, path, check, UNSUPPORTED_HEALTH_CHECK);
  const timing = {
    intervalMs: healthCheckDuration(resource, path, check, 'interval'),
    timeoutMs: healthCheckDuration(resource, path, check, 'timeout'),
    healthyThreshold: healthCheckThreshold(resource, path, check, 'healthy_threshold'),
    unhealthyThreshold: healthCheckThreshold(resource, path, check, 'unhealthy_threshold'),
  };
  const grpc = check.grpc_health_check;
  if (grpc !== undefined) {
    const grpcPath = `${path}.grpc_health_check`;
    if ((grpc.initial_metadata ?? []).length > 0)
      throw configError(
        resource,
        `${grpcPath}.initial_metadata`,
        'not supported by this sidecar yet (initial metadata)',
      );
    return {
      ...timing,
      path: '',
      grpc: { serviceName: grpc.service_name ?? '' },
      authority: grpc.authority || clusterName,
      expectedStatuses: DEFAULT_EXPECTED_STATUSES,
      retriableStatuses: [],
    };
  }
  const http = check.http_health_check;
  if (http === undefined) throw configError(resource, path, 'needs http_health_check or grpc_health_check');
  const httpPath = `${path}.http_health_check`;
  rejectUnsupported(resource, httpPath, http, UNSUPPORTED_HTTP_HEALTH_CHECK);
  if ((http.codec_client_type ?? 'HTTP1') !== 'HTTP1')
    throw configError(
      resource,
      `${httpPath}.codec_client_type`,
      `${http.codec_client_type} is not supported by this sidecar yet (HTTP1)`,
    );
  if ((http.method ?? 'METHOD_UNSPECIFIED') !== 'METHOD_UNSPECIFIED' && http.method !== 'GET')
    throw configError(resource, `${httpPath}.method`, `${http.method} is not supported by this sidecar yet (GET)`);
  if (!http.path?.startsWith('/')) throw configError(resource, `${httpPath}.path`, 'is required and must start with /');
  const ranges = (field: 'expected_statuses' | 'retriable_statuses'): StatusRange[] =>
    (http[field] ?? []).map((range: Int64Range__Output, index) => {
      const [start, end] = [Number(range.start ?? 0), Number(range.end ?? 0)];
      if (!(start >= 100 && end <= 600 && start < end))
        throw configError(
          resource,
          `${httpPath}.${field}[${index}]`,
          `[${start}, ${end}) must be a non-empty range within [100, 600)`,
        );
      return [start, end] as const;
    });
  const expected = ranges('expected_statuses');
  return {
    ...timing,
    path: http.path,
    grpc: undefined,
    authority: http.host || clusterName,
    expectedStatuses: expected.length > 0 ? expected : DEFAULT_EXPECTED_STATUSES,
    retriableStatuses: ranges('retriable_statuses'),
  };
}

function healthCheckDuration(
  resource: ResourceRef,
  path: string,
  check: HealthCheck__Output,
  field: 'interval' | 'timeout',
): number {
  const value = check[field];
  if (value === undefined) throw configError(resource, `${path}.${field}`, 'is required');
  const ms = durationMs(value);
  if (!(ms > 0)) throw configError(resource, `${path}.${field}`, 'must be positive');
  return ms;
}

function healthCheckThreshold(
  resource: ResourceRef,
  path: string,
  check: HealthCheck__Output,
  field: 'healthy_threshold' | 'unhealthy_threshold',
): number {
  const value = check[field];
  if (value === undefined) throw configError(resource, `${path}.${field}`, 'is required');
  if (!((value.value ?? 0) >= 1)) throw configError(resource, `${path}.${field}`, 'must be at least 1');
  return value.value as number;
}

/**
 * The cluster's endpoints bound to hosts from `hosts`. Throws XdsConfigError for endpoints this
 * sidecar cannot serve; builds nothing that needs undoing then (hosts not retained are closed).
 */
export function compileEndpoints(
  cluster: CheckedCluster,
  assignment: ClusterLoadAssignment__Output | undefined,
  hosts: HostRegistry,
): ClusterEndpoint[] {
  const resource: ResourceRef =
    cluster.edsName === undefined ? `Cluster "${cluster.name}"` : `ClusterLoadAssignment "${cluster.edsName}"`;
  const prefix = cluster.edsName === undefined ? 'load_assignment.' : '';
  const endpoints: ClusterEndpoint[] = [];
  let weight: number | undefined;
  (assignment?.endpoints ?? []).forEach((locality, localityIndex) => {
    const localityPath = `${prefix}endpoints[${localityIndex}]`;
    rejectUnsupported(resource, localityPath, locality, UNSUPPORTED_LOCALITY);
    const zone = locality.locality?.zone ?? '';
    (locality.lb_endpoints ?? []).forEach((lbEndpoint, index) => {
      const path = `${localityPath}.lb_endpoints[${index}]`;
      if (lbEndpoint.host_identifier === 'endpoint_name')
        throw configError(resource, `${path}.endpoint_name`, 'named endpoints are not supported by this sidecar yet');
      const endpointWeight = lbEndpoint.load_balancing_weight?.value ?? 1;
      weight ??= endpointWeight;
      if (endpointWeight !== weight) {
        throw configError(
          resource,
          `${path}.load_balancing_weight`,
          `weighted round robin is not supported by this sidecar yet (all endpoints need the same weight, here ${weight})`,
        );
      }
      const socket = lbEndpoint.endpoint?.address?.socket_address;
      const socketPath = `${path}.endpoint.address.socket_address`;
      if (socket === undefined)
        throw configError(resource, socketPath, 'is required (pipes and internal addresses are not supported)');
      if (isIP(socket.address ?? '') === 0)
        throw configError(resource, `${socketPath}.address`, `"${socket.address ?? ''}" is not an IP address`);
      const port = socket.port_value ?? 0;
      if (socket.port_specifier !== 'port_value' || port < 1 || port > 65535)
        throw configError(resource, `${socketPath}.port_value`, 'needs a port in 1-65535');
      if (socket.protocol === 'UDP') throw configError(resource, `${socketPath}.protocol`, 'UDP is not supported');
      const healthStatus = lbEndpoint.health_status ?? 'UNKNOWN';
      endpoints.push({
        host: hosts.get(socket.address as string, port, cluster.connectTimeoutMs, cluster.idleTimeoutMs),
        hostname: lbEndpoint.endpoint?.hostname ?? '',
        healthStatus,
        isHealthy: isUsableHealth(healthStatus),
        zone,
      });
    });
  });
  return endpoints;
}
