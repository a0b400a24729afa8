// Compiles a Cluster and its endpoints (from EDS, or its own load_assignment when STATIC) into the
// cluster the request path uses: endpoints bound to their long-lived upstream hosts, and a
// balancer that takes over the previous one's position.
import { isIP } from 'node:net';
import type { Cluster__Output } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment__Output } from '../../../proto/gen/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Duration__Output } from '../../../proto/gen/google/protobuf/Duration.js';
import { TYPE_URL } from '../../../proto/xds.js';
import { Cluster } from '../cluster/cluster.js';
import { isUsableHealth, type ClusterEndpoint } from '../cluster/cluster-endpoint.js';
import { loadBalancerFactories } from '../cluster/load-balancer-registry.js';
import type { LoadBalancerFactory } from '../cluster/load-balancer.js';
import type { HostRegistry } from '../upstream/host-registry.js';
import { isAdsSource } from './compile-config-source.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';

// Envoy's default connect_timeout.
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const H2_NOT_YET = 'HTTP/2 upstreams are not supported by this sidecar yet';

const UNSUPPORTED_CLUSTER: UnsupportedFields = [
  ['transport_socket', 'TLS (transport_socket)'],
  ['transport_socket_matches', 'TLS (transport_socket_matches)'],
  ['health_checks', 'active health checking'],
  ['outlier_detection', 'outlier detection'],
  ['circuit_breakers', 'circuit breaking'],
  ['load_balancing_policy', 'load_balancing_policy'],
  ['lb_subset_config', 'subset load balancing'],
  ['http2_protocol_options', 'HTTP/2 upstreams'],
  ['upstream_config', 'custom upstream config'],
  ['filters', 'cluster network filters'],
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
  loadBalancer: LoadBalancerFactory;
  connectTimeoutMs: number;
}

/** Checks what of a Cluster this sidecar honours; throws XdsConfigError for anything it would not. */
export function checkCluster(cluster: Cluster__Output): CheckedCluster {
  const name = cluster.name ?? '';
  const resource: ResourceRef = `Cluster "${name}"`;
  rejectUnsupported(resource, '', cluster, UNSUPPORTED_CLUSTER);
  checkProtocolOptions(resource, cluster.typed_extension_protocol_options ?? {});
  const policy = cluster.lb_policy ?? 'ROUND_ROBIN';
  const loadBalancer = loadBalancerFactories.get(policy);
  if (loadBalancer === undefined) {
    throw configError(resource, 'lb_policy', `${policy} is not supported by this sidecar yet (${[...loadBalancerFactories.keys()].join(', ')})`);
  }
  const connectTimeoutMs = cluster.connect_timeout === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : durationMs(cluster.connect_timeout);
  if (!(connectTimeoutMs > 0)) throw configError(resource, 'connect_timeout', 'must be positive');
  if (cluster.cluster_discovery_type === 'cluster_type') throw configError(resource, 'cluster_type', 'custom cluster types are not supported by this sidecar');
  const type = cluster.type ?? 'STATIC';
  if (type === 'EDS') {
    if (!isAdsSource(cluster.eds_cluster_config?.eds_config)) throw configError(resource, 'eds_cluster_config.eds_config', 'only ads (or self) is supported');
    return { name, edsName: edsNameOf(cluster), loadBalancer, connectTimeoutMs };
  }
  if (type === 'STATIC') {
    if (cluster.load_assignment === undefined) throw configError(resource, 'load_assignment', 'a STATIC cluster needs its endpoints here');
    return { name, edsName: undefined, loadBalancer, connectTimeoutMs };
  }
  throw configError(resource, 'type', `${type} is not supported by this sidecar yet (EDS, STATIC)`);
}

/** The ClusterLoadAssignment an EDS cluster reads: its service_name, or else its own name. */
export function edsNameOf(cluster: Cluster__Output): string {
  return cluster.eds_cluster_config?.service_name || (cluster.name ?? '');
}

type ProtocolOptions = { '@type'?: string; upstream_protocol_options?: string; explicit_http_config?: { protocol_config?: string } };

function checkProtocolOptions(resource: ResourceRef, options: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(options)) {
    const path = `typed_extension_protocol_options["${key}"]`;
    const typed = value as ProtocolOptions;
    if (key !== HTTP_PROTOCOL_OPTIONS || typed['@type'] !== TYPE_URL.httpProtocolOptions) {
      throw configError(resource, path, `only ${HTTP_PROTOCOL_OPTIONS} is supported`);
    }
    // HTTP/1.1 explicitly, or "as downstream" (downstream is HTTP/1.1 only) are both HTTP/1.1.
    const protocol = typed.upstream_protocol_options;
    const isHttp1 =
      protocol === undefined ||
      protocol === 'use_downstream_protocol_config' ||
      (protocol === 'explicit_http_config' && typed.explicit_http_config?.protocol_config === 'http_protocol_options');
    if (!isHttp1) throw configError(resource, 'typed_extension_protocol_options', H2_NOT_YET);
  }
}

/** The cluster's endpoints bound to hosts from `hosts`, and its balancer. */
export function compileCluster(
  cluster: CheckedCluster,
  assignment: ClusterLoadAssignment__Output | undefined,
  hosts: HostRegistry,
  previous: Cluster | undefined,
): Cluster {
  const resource: ResourceRef = cluster.edsName === undefined ? `Cluster "${cluster.name}"` : `ClusterLoadAssignment "${cluster.edsName}"`;
  const prefix = cluster.edsName === undefined ? 'load_assignment.' : '';
  const endpoints: ClusterEndpoint[] = [];
  let weight: number | undefined;
  (assignment?.endpoints ?? []).forEach((locality, localityIndex) => {
    const localityPath = `${prefix}endpoints[${localityIndex}]`;
    rejectUnsupported(resource, localityPath, locality, UNSUPPORTED_LOCALITY);
    (locality.lb_endpoints ?? []).forEach((lbEndpoint, index) => {
      const path = `${localityPath}.lb_endpoints[${index}]`;
      if (lbEndpoint.host_identifier === 'endpoint_name') throw configError(resource, `${path}.endpoint_name`, 'named endpoints are not supported by this sidecar yet');
      const endpointWeight = lbEndpoint.load_balancing_weight?.value ?? 1;
      weight ??= endpointWeight;
      if (endpointWeight !== weight) {
        throw configError(resource, `${path}.load_balancing_weight`, `weighted round robin is not supported by this sidecar yet (all endpoints need the same weight, here ${weight})`);
      }
      const socket = lbEndpoint.endpoint?.address?.socket_address;
      const socketPath = `${path}.endpoint.address.socket_address`;
      if (socket === undefined) throw configError(resource, socketPath, 'is required (pipes and internal addresses are not supported)');
      if (isIP(socket.address ?? '') === 0) throw configError(resource, `${socketPath}.address`, `"${socket.address ?? ''}" is not an IP address`);
      const port = socket.port_value ?? 0;
      if (socket.port_specifier !== 'port_value' || port < 1 || port > 65535) throw configError(resource, `${socketPath}.port_value`, 'needs a port in 1-65535');
      if (socket.protocol === 'UDP') throw configError(resource, `${socketPath}.protocol`, 'UDP is not supported');
      const healthStatus = lbEndpoint.health_status ?? 'UNKNOWN';
      endpoints.push({
        host: hosts.get(socket.address as string, port, cluster.connectTimeoutMs),
        hostname: lbEndpoint.endpoint?.hostname ?? '',
        healthStatus,
        isHealthy: isUsableHealth(healthStatus),
      });
    });
  });
  return new Cluster(cluster.name, endpoints, cluster.loadBalancer(endpoints, previous?.loadBalancer));
}

function durationMs(duration: Duration__Output): number {
  return Number(duration.seconds ?? 0) * 1000 + Math.round((duration.nanos ?? 0) / 1e6);
}
