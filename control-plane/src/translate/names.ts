// Host names and resource names of a service, as users and proxies spell them.
import { serviceFqdn } from '../../../shared/service-fqdn.js';

/**
 * The host names that reach a service, as Kubernetes DNS resolves them. The bare name only
 * resolves inside the service's own namespace, so it is listed only for callers there.
 */
export function serviceDomains(name: string, namespace: string, callerNamespace: string): string[] {
  const qualified = [`${name}.${namespace}`, `${name}.${namespace}.svc`, serviceFqdn(name, namespace)];
  return namespace === callerNamespace ? [name, ...qualified] : qualified;
}
