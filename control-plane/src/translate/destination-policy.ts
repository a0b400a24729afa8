// DestinationPolicy → Cluster fields: load balancer, locality preference, circuit breakers, outlier
// detection, health checks, timeouts; and the subsets' clusters with their overrides.
import type { _envoy_config_cluster_v3_CircuitBreakers_Thresholds as Thresholds } from '../../../proto/gen/envoy/config/cluster/v3/CircuitBreakers.js';
import type { Cluster } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { OutlierDetection } from '../../../proto/gen/envoy/config/cluster/v3/OutlierDetection.js';
import type { _envoy_config_route_v3_RouteAction_HashPolicy as HashPolicy } from '../../../proto/gen/envoy/config/route/v3/RouteAction.js';
import type { HttpProtocolOptions } from '../../../proto/gen/envoy/extensions/upstreams/http/v3/HttpProtocolOptions.js';
import { TYPE_URL } from '../../../proto/xds.js';
import type {
  ConnectionPoolSpec,
  DestinationPolicySpec,
  LoadBalancerSpec,
  OutlierDetectionSpec,
  SubsetSpec,
} from '../config/destination-policy-schema.js';
import type { Protocol } from '../registry/instance.js';
import { duration } from './duration.js';
import { typedConfig } from './typed-config.js';

const LB_POLICY: Readonly<Record<LoadBalancerSpec['policy'], NonNullable<Cluster['lb_policy']>>> = {
  round_robin: 'ROUND_ROBIN',
  least_request: 'LEAST_REQUEST',
  ring_hash: 'RING_HASH',
  random: 'RANDOM',
};
const DEFAULT_HEALTHY_THRESHOLD = 1;
const DEFAULT_UNHEALTHY_THRESHOLD = 3;
export const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** The policy one cluster runs under: the service's, with a subset's overrides in place. */
export interface ClusterPolicy {
  loadBalancer?: LoadBalancerSpec;
  localityPreference?: boolean;
  connectionPool?: ConnectionPoolSpec;
  outlierDetection?: OutlierDetectionSpec;
  healthCheck?: DestinationPolicySpec['healthCheck'];
}

/** A subset's policy: each section it sets replaces the service's section whole (as Istio does). */
export function subsetPolicy(spec: DestinationPolicySpec, subset: SubsetSpec): ClusterPolicy {
  return {
    loadBalancer: subset.loadBalancer ?? spec.loadBalancer,
    localityPreference: spec.localityPreference,
    connectionPool: subset.connectionPool ?? spec.connectionPool,
    outlierDetection: subset.outlierDetection ?? spec.outlierDetection,
    healthCheck: spec.healthCheck,
  };
}

/**
 * The upstream protocol, as Envoy (and Istio) put it: HTTP/2 to grpc and http2 ports; to http
 * ports the protocol the request came in with (h2 in, h2 out), as Istio does for ports whose
 * protocol it detects.
 */
function upstreamProtocolOptions(protocol: Protocol): HttpProtocolOptions | undefined {
  if (protocol === 'http2' || protocol === 'grpc') return { explicit_http_config: { http2_protocol_options: {} } };
  if (protocol === 'http')
    return { use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } };
  return undefined;
}

/** Cluster fields for `policy` (to spread over the base cluster); protocol decides the HTTP options. */
export function clusterPolicyFields(policy: ClusterPolicy | undefined, protocol: Protocol): Cluster {
  const fields: Cluster = {};
  const protocolOptions = upstreamProtocolOptions(protocol);
  if (protocolOptions !== undefined)
    fields.typed_extension_protocol_options = {
      [HTTP_PROTOCOL_OPTIONS]: typedConfig(TYPE_URL.httpProtocolOptions, protocolOptions),
    };
  if (policy === undefined) return fields;
  const lb = policy.loadBalancer;
  if (lb) {
    fields.lb_policy = LB_POLICY[lb.policy];
    if (lb.policy === 'ring_hash' && lb.minRingSize !== undefined)
      fields.ring_hash_lb_config = { minimum_ring_size: { value: lb.minRingSize } };
  }
  if (policy.localityPreference) fields.common_lb_config = { zone_aware_lb_config: {} };
  const pool = policy.connectionPool;
  if (pool) {
    const threshold: Thresholds = { priority: 'DEFAULT' };
    if (pool.maxConnections !== undefined) threshold.max_connections = { value: pool.maxConnections };
    if (pool.maxPendingRequests !== undefined) threshold.max_pending_requests = { value: pool.maxPendingRequests };
    if (pool.maxRequests !== undefined) threshold.max_requests = { value: pool.maxRequests };
    if (pool.maxRetries !== undefined) threshold.max_retries = { value: pool.maxRetries };
    if (pool.retryBudget) {
      threshold.retry_budget = {
        budget_percent: { value: pool.retryBudget.percent },
        min_retry_concurrency: { value: pool.retryBudget.minRetryConcurrency },
      };
    }
    if (Object.keys(threshold).length > 1) fields.circuit_breakers = { thresholds: [threshold] };
    if (pool.connectTimeout !== undefined) fields.connect_timeout = duration(pool.connectTimeout);
    if (pool.idleTimeout !== undefined) {
      fields.typed_extension_protocol_options = {
        [HTTP_PROTOCOL_OPTIONS]: typedConfig<HttpProtocolOptions>(TYPE_URL.httpProtocolOptions, {
          common_http_protocol_options: { idle_timeout: duration(pool.idleTimeout) },
          ...protocolOptions,
        }),
      };
    }
  }
  const outlier = policy.outlierDetection;
  if (outlier) {
    const detection: OutlierDetection = {};
    if (outlier.consecutive5xx !== undefined) detection.consecutive_5xx = { value: outlier.consecutive5xx };
    if (outlier.consecutiveGatewayErrors !== undefined) {
      detection.consecutive_gateway_failure = { value: outlier.consecutiveGatewayErrors };
      // Envoy enforces gateway-failure ejection at 0% unless told otherwise.
      detection.enforcing_consecutive_gateway_failure = { value: 100 };
    }
    if (outlier.interval !== undefined) detection.interval = duration(outlier.interval);
    if (outlier.baseEjectionTime !== undefined) detection.base_ejection_time = duration(outlier.baseEjectionTime);
    if (outlier.maxEjectionPercent !== undefined)
      detection.max_ejection_percent = { value: outlier.maxEjectionPercent };
    fields.outlier_detection = detection;
  }
  const check = policy.healthCheck;
  if (check) {
    fields.health_checks = [
      {
        timeout: duration(check.timeout),
        interval: duration(check.interval),
        healthy_threshold: { value: check.healthyThreshold ?? DEFAULT_HEALTHY_THRESHOLD },
        unhealthy_threshold: { value: check.unhealthyThreshold ?? DEFAULT_UNHEALTHY_THRESHOLD },
        ...(check.grpc === undefined
          ? { http_health_check: { path: check.path } }
          : { grpc_health_check: { service_name: check.grpc.service ?? '' } }),
      },
    ];
  }
  return fields;
}

/** Route hash_policy for a cluster balanced by ring hash; undefined for other policies. */
export function hashPolicy(lb: LoadBalancerSpec | undefined): HashPolicy[] | undefined {
  if (lb?.policy !== 'ring_hash' || lb.hashOn === undefined) return undefined;
  if (lb.hashOn.header !== undefined) return [{ header: { header_name: lb.hashOn.header } }];
  if (lb.hashOn.cookie !== undefined) return [{ cookie: { name: lb.hashOn.cookie } }];
  return [{ connection_properties: { source_ip: true } }];
}
