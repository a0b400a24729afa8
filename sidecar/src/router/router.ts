// The router layer: finds the virtual host by the request's host, the first route whose match
// accepts its path, and hands the request to the route's cluster. Everything it reads was
// compiled with the config version; a request does lookups only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster } from '../cluster/cluster.js';
import { forward } from '../upstream/forward.js';
import { localReply } from '../upstream/local-reply.js';
import { requestTarget } from './request-target.js';
import { findRoute, type Route } from './route-matcher.js';
import type { VirtualHostTable } from './virtual-host-table.js';

export interface VirtualHost {
  name: string;
  routes: readonly Route[];
}

/** A compiled RouteConfiguration. */
export interface RouteTable {
  name: string;
  virtualHosts: VirtualHostTable<VirtualHost>;
}

/** What one listener routes with: its HttpConnectionManager's settings and its route table. */
export interface HttpRoutes {
  listenerName: string;
  /** The RouteConfiguration the listener names (by RDS, or its inline one). */
  routeConfigName: string;
  /** Undefined until the RouteConfiguration named over RDS has arrived. */
  routeTable: RouteTable | undefined;
  /** Match virtual hosts without the Host's port (HCM strip_any_host_port). */
  stripAnyHostPort: boolean;
}

export function routeRequest(routes: HttpRoutes, clusters: ReadonlyMap<string, Cluster>, req: IncomingMessage, res: ServerResponse): void {
  if (routes.routeTable === undefined) {
    localReply(res, 503, `RouteConfiguration "${routes.routeConfigName}" has not arrived from the control plane yet (${routes.listenerName} listener)`);
    return;
  }
  const target = requestTarget(req.url ?? '', req.headers.host, routes.stripAnyHostPort);
  if (target === undefined) {
    localReply(res, 400, `request target "${req.url}" needs a Host header or an absolute http:// URI (${routes.listenerName} listener)`);
    return;
  }
  const virtualHost = routes.routeTable.virtualHosts.find(target.host);
  if (virtualHost === undefined) {
    // Envoy's NR: no route.
    localReply(res, 404, `no route for host "${target.host}" (${routes.listenerName} listener)`);
    return;
  }
  const route = findRoute(virtualHost.routes, target.path);
  if (route === undefined) {
    localReply(res, 404, `no route for path "${target.path}" in virtual host "${virtualHost.name}" (${routes.listenerName} listener)`);
    return;
  }
  const cluster = clusters.get(route.cluster);
  if (cluster === undefined) {
    // Envoy's NC: the route names a cluster this sidecar does not have.
    localReply(res, 503, `cluster "${route.cluster}" not found (route "${route.name}" of virtual host "${virtualHost.name}", ${routes.listenerName} listener)`);
    return;
  }
  const endpoint = cluster.pick();
  if (endpoint === undefined) {
    // Envoy's UH: no healthy upstream.
    localReply(res, 503, `no healthy endpoint for cluster "${cluster.name}"`);
    return;
  }
  forward(req, res, endpoint.host, cluster.name, target.authority, target.path);
}
