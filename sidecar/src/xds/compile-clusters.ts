// Compiles a Cluster and its ClusterLoadAssignment into the cluster the request path uses:
// endpoints bound to their (long-lived) upstream hosts, and a load balancer.
import type { Cluster__Output } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment__Output } from '../../../proto/gen/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Duration__Output } from '../../../proto/gen/google/protobuf/Duration.js';
import { isUsable, type Cluster, type ClusterEndpoint } from '../cluster/cluster.js';
import { loadBalancers, type LoadBalancerFactory } from '../cluster/load-balancer.js';
import type { HostRegistry } from '../upstream/upstream-host.js';
import { XdsConfigError } from './resource-set.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** What a Cluster says that the request path needs, once checked. */
export interface CheckedCluster {
  resource: Cluster__Output;
  /** The ClusterLoadAssignment to take from EDS; undefined for a STATIC cluster's own load_assignment. */
  loadAssignmentName: string | undefined;
  loadBalancer: LoadBalancerFactory;
  connectTimeoutMs: number;
}

/** Checks what of a Cluster this sidecar honours; throws XdsConfigError for anything it would not. */
export function checkCluster(cluster: Cluster__Output): CheckedCluster {
  const where = `Cluster "${cluster.name}"`;
  const loadBalancer = loadBalancers.get(cluster.lb_policy ?? 'ROUND_ROBIN');
  if (!loadBalancer) {
    throw new XdsConfigError(`${where}: lb_policy ${cluster.lb_policy} is not supported (${[...loadBalancers.keys()].join(', ')})`);
  }
  const options = cluster.typed_extension_protocol_options?.[HTTP_PROTOCOL_OPTIONS] as
    | { explicit_http_config?: { http2_protocol_options?: object } }
    | undefined;
  if (options?.explicit_http_config?.http2_protocol_options) {
    throw new XdsConfigError(`${where}: typed_extension_protocol_options: HTTP/2 upstreams are not supported by this sidecar yet`);
  }
  if (cluster.transport_socket) throw new XdsConfigError(`${where}: transport_socket: TLS upstreams are not supported by this sidecar yet`);
  const connectTimeoutMs = durationMs(cluster.connect_timeout) ?? DEFAULT_CONNECT_TIMEOUT_MS;
  switch (cluster.type ?? 'STATIC') {
    case 'EDS':
      return { resource: cluster, loadAssignmentName: cluster.eds_cluster_config?.service_name || cluster.name, loadBalancer, connectTimeoutMs };
    case 'STATIC':
      if (!cluster.load_assignment) throw new XdsConfigError(`${where}: a STATIC cluster needs load_assignment`);
      return { resource: cluster, loadAssignmentName: undefined, loadBalancer, connectTimeoutMs };
    default:
      throw new XdsConfigError(`${where}: type ${cluster.type} is not supported (EDS, STATIC)`);
  }
}

export function compileCluster(
  cluster: CheckedCluster,
  assignment: ClusterLoadAssignment__Output | undefined,
  hosts: HostRegistry,
  previous: Cluster | undefined,
): Cluster {
  const endpoints: ClusterEndpoint[] = [];
  (assignment?.endpoints ?? []).forEach((locality, localityIndex) => {
    (locality.lb_endpoints ?? []).forEach((lbEndpoint, index) => {
      const socket = lbEndpoint.endpoint?.address?.socket_address;
      const port = socket?.port_value ?? 0;
      if (!socket?.address || port < 1 || port > 65535) {
        throw new XdsConfigError(
          `ClusterLoadAssignment "${assignment?.cluster_name}": endpoints[${localityIndex}].lb_endpoints[${index}].endpoint.address.socket_address: needs an address and a port_value in 1–65535`,
        );
      }
      const healthStatus = lbEndpoint.health_status ?? 'UNKNOWN';
      endpoints.push({
        host: hosts.get(socket.address, port, cluster.connectTimeoutMs),
        hostname: lbEndpoint.endpoint?.hostname ?? '',
        healthStatus,
        isHealthy: isUsable(healthStatus),
      });
    });
  });
  return { name: cluster.resource.name ?? '', endpoints, loadBalancer: cluster.loadBalancer(endpoints, previous?.loadBalancer) };
}

function durationMs(duration: Duration__Output | undefined): number | undefined {
  if (!duration) return undefined;
  return Number(duration.seconds ?? 0) * 1000 + Math.round((duration.nanos ?? 0) / 1e6);
}
