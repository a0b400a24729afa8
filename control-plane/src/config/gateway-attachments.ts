// Which gateways a Route applies to and the host names it claims on each: shared by validation
// (every named Gateway exists, serves the Route's hosts, and no two Routes claim one host on it)
// and by translation (a gateway's virtual hosts).
import { serviceDomains } from '../translate/names.js';
import { admitsHost, gatewayKey, MESH, type GatewayDocument, type GatewayServer } from './gateway-schema.js';
import type { RouteDocument } from './route-schema.js';
import { resolveService } from './service-ref.js';

/** The gateways a Route names, as `namespace/name` keys, or `mesh`; without spec.gateways, the mesh only. */
export function routeGatewayKeys(route: RouteDocument): string[] {
  return (route.spec.gateways ?? [MESH]).map((reference) => gatewayKey(reference, route.metadata.namespace));
}

export function appliesToMesh(route: RouteDocument): boolean {
  return routeGatewayKeys(route).includes(MESH);
}

/** The host names a Route claims at a gateway in `namespace`: its spec.hosts, else its service's names. */
export function routeHosts(route: RouteDocument, namespace: string): string[] {
  if (route.spec.hosts !== undefined) return route.spec.hosts;
  const service = resolveService(route.spec.host, route.metadata.namespace);
  return serviceDomains(service.name, service.namespace, namespace);
}

/** The Route's host names that `server` serves: the domains of its virtual host there. */
export function serverDomains(route: RouteDocument, server: GatewayServer, namespace: string): string[] {
  return routeHosts(route, namespace).filter((host) => server.hosts.some((pattern) => admitsHost(pattern, host)));
}

export interface AttachmentProblem {
  route: RouteDocument;
  path: PropertyKey[];
  message: string;
}

/** What is wrong with the Routes' attachments to `gateways` (by `namespace/name` key). */
export function attachmentProblems(
  routes: readonly RouteDocument[],
  gateways: ReadonlyMap<string, GatewayDocument>,
): AttachmentProblem[] {
  const problems: AttachmentProblem[] = [];
  const claims = new Map<string, RouteDocument>();
  const label = (route: RouteDocument) => `Route "${route.metadata.namespace}/${route.metadata.name}"`;
  for (const route of routes) {
    routeGatewayKeys(route).forEach((key, index) => {
      if (key === MESH) return;
      const gateway = gateways.get(key);
      if (gateway === undefined) {
        const known = [...gateways.keys()];
        problems.push({
          route,
          path: ['spec', 'gateways', index],
          message: `unknown Gateway "${key}": no Gateway document declares it (${known.length === 0 ? 'there are none' : `known: ${known.join(', ')}`})`,
        });
        return;
      }
      const namespace = gateway.metadata.namespace;
      const served = [...new Set(gateway.spec.servers.flatMap((server) => server.hosts))];
      const hosts = routeHosts(route, namespace);
      const admitted = hosts.filter((host) => served.some((pattern) => admitsHost(pattern, host)));
      if (route.spec.hosts !== undefined) {
        hosts.forEach((host, hostIndex) => {
          if (!admitted.includes(host))
            problems.push({
              route,
              path: ['spec', 'hosts', hostIndex],
              message: `"${host}" is not among the hosts of Gateway "${key}" (${served.join(', ')})`,
            });
        });
      } else if (admitted.length === 0) {
        problems.push({
          route,
          path: ['spec', 'gateways', index],
          message: `Gateway "${key}" serves ${served.join(', ')}, none of the service's own names (${hosts.join(', ')}): set spec.hosts`,
        });
      }
      for (const host of admitted) {
        const claim = `${key}\u0000${host}`;
        const other = claims.get(claim);
        if (other === undefined) claims.set(claim, route);
        else if (other !== route)
          problems.push({
            route,
            path: route.spec.hosts === undefined ? ['spec', 'host'] : ['spec', 'hosts', hosts.indexOf(host)],
            message: `host "${host}" on Gateway "${key}" is already routed by ${label(other)}`,
          });
      }
    });
  }
  return problems;
}
