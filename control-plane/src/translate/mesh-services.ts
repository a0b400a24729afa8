// The services a group's translation covers: every registered one, and those the config declares or
// names (a Service document, a Route's host or destination…) with no instance yet.
import type { Protocol, ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/service-view.js';
import type { ConfigSet } from '../config/config-set.js';
import { resolveService } from '../config/service-ref.js';
import { serviceFqdn } from '../../../shared/service-fqdn.js';

/** A service as translate sees it: registered instances, or none yet when only config names it. */
export interface MeshService {
  name: string;
  namespace: string;
  fqdn: string;
  protocol: Protocol;
  instances: readonly ServiceInstance[];
  /** The address clients dial for the whole service (intercept mode), from its registry source or its Service document. */
  virtualIp: string | undefined;
}

/**
 * The registered services, plus those config declares or names that have no instance now: their
 * clusters exist (empty) so that routes to them stay consistent while they come and go.
 */
export function meshServicesOf(services: readonly ServiceView[], config: ConfigSet): MeshService[] {
  const byFqdn = new Map<string, MeshService>();
  for (const service of services) {
    const fqdn = serviceFqdn(service.name, service.namespace);
    byFqdn.set(fqdn, {
      name: service.name,
      namespace: service.namespace,
      fqdn,
      protocol: service.instances[0]?.protocol ?? 'http',
      instances: service.instances,
      virtualIp: service.virtualIp,
    });
  }
  const add = (host: string, namespace: string, protocol: Protocol = 'http', virtualIp?: string) => {
    const ref = resolveService(host, namespace);
    const known = byFqdn.get(ref.fqdn);
    if (known === undefined) byFqdn.set(ref.fqdn, { ...ref, protocol, instances: [], virtualIp });
    else known.virtualIp ??= virtualIp;
  };
  for (const service of config.services)
    add(service.metadata.name, service.metadata.namespace, service.spec.ports?.[0]?.protocol, service.spec.virtualIp);
  for (const document of [...config.routes, ...config.destinationPolicies, ...config.rateLimits])
    add(document.spec.host, document.metadata.namespace);
  for (const route of config.routes) {
    for (const rule of route.spec.rules) {
      for (const destination of rule.destinations) add(destination.service, route.metadata.namespace);
      if (rule.mirror) add(rule.mirror.service, route.metadata.namespace);
    }
  }
  return [...byFqdn.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
