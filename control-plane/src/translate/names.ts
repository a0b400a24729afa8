// Host names and resource names of a service, as users and proxies spell them.

export const CLUSTER_DOMAIN = 'svc.cluster.local';

/** The fully qualified name: the cluster, endpoint and virtual host name of a service. */
export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.${CLUSTER_DOMAIN}`;
}

/**
 * The host names that reach a service, as Kubernetes DNS resolves them. The bare name only
 * resolves inside the service's own namespace, so it is listed only for callers there.
 */
export function serviceDomains(name: string, namespace: string, callerNamespace: string): string[] {
  const qualified = [`${name}.${namespace}`, `${name}.${namespace}.svc`, serviceFqdn(name, namespace)];
  return namespace === callerNamespace ? [name, ...qualified] : qualified;
}
