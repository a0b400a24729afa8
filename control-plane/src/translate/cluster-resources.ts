// A service's EDS cluster (its policy's fields, mutual TLS to the identities of its instances) and
// its load assignment, the instances grouped by locality.
import type { Protocol, ServiceInstance } from '../registry/instance.js';
import type { Cluster } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment } from '../../../proto/gen/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import { objectToStruct } from '../../../proto/xds.js';
import { clusterPolicyFields, type ClusterPolicy } from './destination-policy.js';
import { ADS_SOURCE } from './http-connection-manager.js';
import { clusterMutualTls, isMutualTlsEndpoint, mutualTlsMetadata } from './mutual-tls.js';
import type { PeerAuthenticationModes } from './peer-authentication.js';

const CONNECT_TIMEOUT = { seconds: 5 };
// Kubernetes' well-known topology labels give an instance its locality.
const REGION_LABEL = 'topology.kubernetes.io/region';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

export function cluster(
  name: string,
  protocol: Protocol,
  policy: ClusterPolicy | undefined,
  instances: readonly ServiceInstance[],
  mode: PeerAuthenticationModes,
): Cluster {
  const identities = new Set(
    instances.flatMap((instance) => (isMutualTlsEndpoint(instance, mode) ? [instance.owner as string] : [])),
  );
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS_SOURCE, service_name: name },
    connect_timeout: CONNECT_TIMEOUT,
    lb_policy: 'ROUND_ROBIN',
    ...clusterPolicyFields(policy, protocol),
    ...clusterMutualTls(identities, protocol),
  };
}

export function loadAssignment(
  fqdn: string,
  instances: readonly ServiceInstance[],
  mode: PeerAuthenticationModes,
): ClusterLoadAssignment {
  const byLocality = new Map<string, { region: string; zone: string; instances: ServiceInstance[] }>();
  for (const instance of instances) {
    const region = instance.labels[REGION_LABEL] ?? '';
    const zone = instance.labels[ZONE_LABEL] ?? '';
    const key = `${region}/${zone}`;
    let group = byLocality.get(key);
    if (!group) byLocality.set(key, (group = { region, zone, instances: [] }));
    group.instances.push(instance);
  }
  return {
    cluster_name: fqdn,
    endpoints: [...byLocality.values()].map((group) => ({
      locality: { region: group.region, zone: group.zone },
      // gRPC clients ignore a locality without a weight.
      load_balancing_weight: { value: 1 },
      lb_endpoints: group.instances.map((instance) => ({
        endpoint: {
          address: { socket_address: { address: instance.address, port_value: instance.port } },
          hostname: instance.instanceId,
        },
        health_status: 'HEALTHY',
        load_balancing_weight: { value: 1 },
        metadata: {
          filter_metadata: {
            'envoy.lb': objectToStruct(instance.labels),
            ...(isMutualTlsEndpoint(instance, mode) && mutualTlsMetadata()),
          },
        },
      })),
    })),
  };
}
