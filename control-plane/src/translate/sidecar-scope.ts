// Sidecar scoping (the Sidecar kind): the node group of a sidecar, and which services a scoped
// group may call. A scoped group is named after its Sidecar document, so every sidecar it selects
// shares one snapshot and its encoded responses.
import type { ConfigSet } from '../config/config-set.js';
import { appliesToMesh } from '../config/gateway-attachments.js';
import { resolveService, type ServiceRef } from '../config/service-ref.js';
import type { SidecarDocument } from '../config/sidecar-schema.js';

const GROUP_PREFIX = 'sidecar:';

/** The scope of a scoped group: its Sidecar's namespace and name. */
export interface Scope {
  namespace: string;
  name: string;
}

/** The Sidecar that applies to the sidecars of `service`: the one selecting it, else its namespace's default. */
export function sidecarFor(config: ConfigSet, namespace: string, service: string): SidecarDocument | undefined {
  const inNamespace = config.sidecars.filter((sidecar) => sidecar.metadata.namespace === namespace);
  return (
    inNamespace.find((sidecar) => sidecar.spec.workloadSelector?.service === service) ??
    inNamespace.find((sidecar) => sidecar.spec.workloadSelector === undefined)
  );
}

/** The node group of the sidecars of `service` in `namespace`: their Sidecar's, else the namespace's. */
export function sidecarGroup(config: ConfigSet, namespace: string, service: string): string {
  const sidecar = sidecarFor(config, namespace, service);
  return sidecar === undefined ? namespace : `${GROUP_PREFIX}${namespace}/${sidecar.metadata.name}`;
}

/** The scope of a group made by sidecarGroup; undefined for a namespace's (or a gateway's) group. */
export function scopeOfGroup(group: string): Scope | undefined {
  if (!group.startsWith(GROUP_PREFIX)) return undefined;
  const [namespace = '', name = ''] = group.slice(GROUP_PREFIX.length).split('/');
  return { namespace, name };
}

/** Whether one of the Sidecar's egress hosts (`namespace/service`, `.` and `*` allowed) admits `service`. */
export function isInScope(sidecar: SidecarDocument, service: ServiceRef): boolean {
  return sidecar.spec.egress.some((egress) =>
    egress.hosts.some((host) => {
      const [namespace, name] = host.split('/') as [string, string];
      const namespaceMatches =
        namespace === '*' || (namespace === '.' ? sidecar.metadata.namespace : namespace) === service.namespace;
      return namespaceMatches && (name === '*' || name === service.name);
    }),
  );
}

/**
 * The services a scoped sidecar may call (`callable`: their virtual hosts), and the clusters it
 * needs (`clusters`: those services, plus every service their mesh Routes send or mirror to, so
 * that a route of a callable service never names a cluster the sidecar lacks). Both are FQDNs.
 */
export function scopedServices(
  sidecar: SidecarDocument,
  services: readonly ServiceRef[],
  config: ConfigSet,
): { callable: Set<string>; clusters: Set<string> } {
  const callable = new Set(services.filter((service) => isInScope(sidecar, service)).map((service) => service.fqdn));
  const clusters = new Set(callable);
  for (const route of config.routes.filter(appliesToMesh)) {
    const namespace = route.metadata.namespace;
    if (!callable.has(resolveService(route.spec.host, namespace).fqdn)) continue;
    for (const rule of route.spec.rules) {
      for (const destination of rule.destinations) clusters.add(resolveService(destination.service, namespace).fqdn);
      if (rule.mirror) clusters.add(resolveService(rule.mirror.service, namespace).fqdn);
    }
  }
  return { callable, clusters };
}
