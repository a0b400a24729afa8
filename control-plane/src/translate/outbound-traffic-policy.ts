// The MeshConfig's outboundTrafficPolicy as Istio expresses it to Envoy: under REGISTRY_ONLY the
// outbound listener's default filter chain (what takes an intercepted connection to a destination
// no service owns) is a tcp_proxy to BlackHoleCluster, which has no endpoints. ALLOW_ANY sends no
// default chain: a sidecar then passes such connections through to where they were going.
import { TCP_PROXY_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import type { MeshSettings } from '../config/mesh-config-schema.js';

export const BLACK_HOLE_CLUSTER = 'BlackHoleCluster';

/** The outbound listener's fields for the policy. */
export function outboundDefaultChain(mesh: MeshSettings): object {
  if (mesh.outboundTrafficPolicy.mode === 'ALLOW_ANY') return {};
  return {
    default_filter_chain: {
      filters: [
        {
          name: TCP_PROXY_FILTER_NAME,
          typed_config: { '@type': TYPE_URL.tcpProxy, stat_prefix: BLACK_HOLE_CLUSTER, cluster: BLACK_HOLE_CLUSTER },
        },
      ],
    },
  };
}

/** The cluster the default chain names, when it names one. */
export function blackHoleCluster(mesh: MeshSettings): object | undefined {
  if (mesh.outboundTrafficPolicy.mode === 'ALLOW_ANY') return undefined;
  return {
    name: BLACK_HOLE_CLUSTER,
    type: 'STATIC',
    connect_timeout: { seconds: 1 },
    load_assignment: { cluster_name: BLACK_HOLE_CLUSTER, endpoints: [] },
  };
}
