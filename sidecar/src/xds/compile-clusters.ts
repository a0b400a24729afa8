// Compiles a Cluster into what the request path uses: how its endpoints are found (EDS or its own
// load_assignment) and its traffic policy (protocol, balancer, locality preference, circuit
// breakers, outlier detection, active health checks, mutual TLS), each checked once with errors naming the field.
import type { Cluster__Output } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { ClusterPolicy } from '../cluster/cluster.js';
import { checkCircuitBreakers } from './compile-circuit-breakers.js';
import { isAdsSource } from './compile-config-source.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { checkHealthChecks } from './compile-health-check.js';
import { checkCommonLbConfig, checkLoadBalancer } from './compile-load-balancer.js';
import { checkOutlierDetection } from './compile-outlier-detection.js';
import { checkProtocolOptions } from './compile-protocol-options.js';
import { checkClusterTls, type ClusterTls } from './compile-upstream-tls.js';
import { durationMs } from './duration.js';

// Envoy's default connect_timeout.
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

const UNSUPPORTED_CLUSTER: UnsupportedFields = [
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

/** What a Cluster says that the request path needs, once checked. */
export interface CheckedCluster {
  name: string;
  /** The ClusterLoadAssignment to take from EDS; undefined when STATIC (its own load_assignment). */
  edsName: string | undefined;
  connectTimeoutMs: number;
  /** HttpProtocolOptions common_http_protocol_options.idle_timeout; undefined: the pools' default. */
  idleTimeoutMs: number | undefined;
  policy: ClusterPolicy;
  /** Mutual TLS to (some of) its endpoints; undefined: plaintext to all. */
  tls: ClusterTls | undefined;
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
  const tls = checkClusterTls(resource, cluster);
  if (cluster.cluster_discovery_type === 'cluster_type')
    throw configError(resource, 'cluster_type', 'custom cluster types are not supported by this sidecar');
  const type = cluster.type ?? 'STATIC';
  if (type === 'EDS') {
    if (!isAdsSource(cluster.eds_cluster_config?.eds_config))
      throw configError(resource, 'eds_cluster_config.eds_config', 'only ads (or self) is supported');
    return { name, edsName: edsNameOf(cluster), connectTimeoutMs, idleTimeoutMs, policy, tls };
  }
  if (type === 'STATIC') {
    if (cluster.load_assignment === undefined)
      throw configError(resource, 'load_assignment', 'a STATIC cluster needs its endpoints here');
    return { name, edsName: undefined, connectTimeoutMs, idleTimeoutMs, policy, tls };
  }
  throw configError(resource, 'type', `${type} is not supported by this sidecar yet (EDS, STATIC)`);
}

/** The ClusterLoadAssignment an EDS cluster reads: its service_name, or else its own name. */
function edsNameOf(cluster: Cluster__Output): string {
  return cluster.eds_cluster_config?.service_name || (cluster.name ?? '');
}
