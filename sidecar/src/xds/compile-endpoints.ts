// Compiles a cluster's endpoints (from EDS, or its own load_assignment when STATIC) into endpoints
// bound to their long-lived upstream hosts (in mutual TLS where the cluster's transport socket
// matches say so), each checked here once with errors naming the field.
import { isIP } from 'node:net';
import type { ClusterLoadAssignment__Output } from '../../../proto/gen/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import { ClusterEndpoint } from '../cluster/cluster-endpoint.js';
import type { HostRegistry } from '../upstream/host-registry.js';
import type { UpstreamTls } from '../upstream/upstream-tls.js';
import type { CheckedCluster } from './compile-clusters.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { endpointTls, type EndpointTls } from './compile-upstream-tls.js';

const UNSUPPORTED_LOCALITY: UnsupportedFields = [
  ['priority', 'endpoint priorities'],
  ['leds_cluster_locality_config', 'LEDS'],
];

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
      const tls = upstreamTls(resource, path, hosts, endpointTls(cluster.tls, lbEndpoint.metadata));
      endpoints.push(
        new ClusterEndpoint(
          hosts.get(socket.address as string, port, cluster.connectTimeoutMs, cluster.idleTimeoutMs, tls),
          lbEndpoint.endpoint?.hostname ?? '',
          lbEndpoint.health_status ?? 'UNKNOWN',
          zone,
        ),
      );
    });
  });
  return endpoints;
}

/** Mutual TLS to an endpoint with this workload's certificate; a proxy without one cannot (NACK). */
function upstreamTls(
  resource: ResourceRef,
  path: string,
  hosts: HostRegistry,
  subjectAltNames: EndpointTls,
): UpstreamTls | undefined {
  if (subjectAltNames === undefined) return undefined;
  const tls = hosts.mutualTlsTo(subjectAltNames);
  if (tls === undefined)
    throw configError(
      resource,
      `${path}.metadata`,
      'the endpoint is reached in mutual TLS, but this proxy has no workload certificate (start it with --token-file)',
    );
  return tls;
}
