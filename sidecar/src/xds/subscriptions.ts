// Which names a sidecar asks for: LDS is a wildcard subscription (as Envoy's: the outbound TCP
// listeners are named by ports the sidecar cannot know) of which it serves only its own listeners,
// RDS names follow its listeners, EDS names follow its clusters, and ServiceConfig is asked for by
// its own service's FQDN.
import type { Cluster__Output } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import { TYPE_URL } from '../../../proto/xds.js';
import { serviceFqdn } from '../../../shared/service-fqdn.js';
import { inboundListenerName } from '../../../shared/sidecar-listener-names.js';

/** A sidecar's own inbound listener (shared/sidecar-listener-names.ts), named by its service's FQDN. */
export function ownInboundListener(service: string, namespace: string): string {
  return inboundListenerName(serviceFqdn(service, namespace));
}

/** The pilotfish.v1.ServiceConfig resource of a service (its app parameters): the service FQDN. */
export function serviceConfigName(service: string, namespace: string): string {
  return serviceFqdn(service, namespace);
}

/** The cluster name the inbound routes send to: the local app. */
export const INBOUND_APP_CLUSTER = 'inbound';

/** Route configuration names that the listeners load over RDS. */
export function routeNamesOf(listeners: Iterable<Listener__Output>): string[] {
  const names = new Set<string>();
  for (const listener of listeners) {
    for (const chain of listener.filter_chains ?? []) {
      for (const filter of chain.filters ?? []) {
        const config = filter.typed_config as { '@type'?: string; rds?: { route_config_name?: string } } | undefined;
        if (config?.['@type'] === TYPE_URL.httpConnectionManager && config.rds?.route_config_name) {
          names.add(config.rds.route_config_name);
        }
      }
    }
  }
  return [...names].sort();
}

/** ClusterLoadAssignment names that EDS clusters load (service_name, or the cluster's name). */
export function endpointNamesOf(clusters: Iterable<Cluster__Output>): string[] {
  const names = new Set<string>();
  for (const cluster of clusters) {
    if (cluster.type === 'EDS') names.add(cluster.eds_cluster_config?.service_name || cluster.name || '');
  }
  names.delete('');
  return [...names].sort();
}
