// A service's fully qualified name, as the control plane names its cluster, endpoints and virtual
// host and a sidecar names its own service: one spelling for both sides.

export const CLUSTER_DOMAIN = 'svc.cluster.local';

/** The fully qualified name: the cluster, endpoint and virtual host name of a service. */
export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.${CLUSTER_DOMAIN}`;
}
