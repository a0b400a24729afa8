// The router layer: finds the virtual host by the request's host and the first route whose match
// accepts the request, runs the listener's HTTP filters with that route's config for them, then
// does what the route says — cluster choice, circuit breaking, rewrites, header edits, mirrors —
// and hands the exchange to the upstream layer (an upgrade, to a tunnel). Everything it reads was
// compiled with the config version; a request does lookups only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Cluster } from '../cluster/cluster.js';
import { overflowFailure } from '../cluster/cluster-dispatch.js';
import { hits } from '../filters/fault.js';
import type { HttpFilterChain } from '../filters/http-filter-chain.js';
import type { AccessLogFormat } from '../telemetry/exchange.js';
import { grpcTimeoutMs } from '../upstream/grpc-status.js';
import { localReply, resetResponse } from '../upstream/local-reply.js';
import { ensureRequestId, upstreamRequestHeaders } from '../upstream/proxy-headers.js';
import { ReplayableBody } from '../upstream/replayable-body.js';
import { hasBody, readReplayableBody } from '../upstream/request-body.js';
import { isUpgrade } from '../upstream/upgrade-head.js';
import { openTunnel } from '../route/upgrade-tunnel.js';
import type { ForwardedRequest } from '../route/forwarded-request.js';
import { pickClusterName } from './cluster-choice.js';
import { hashKeyOf } from './hash-policy.js';
import { editRequestHeaders } from '../http/header-edits.js';
import { isRetriableRequest } from '../http/retry-policy.js';
import { countRequestBytes, recordOf } from '../http/request-record.js';
import { requestTarget, type RequestTarget } from '../http/request-target.js';
import { ResponseRelay } from './response-relay.js';
import type { PathRewrite, RouteAction } from './route-action.js';
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
  /** The HCM's HTTP filters, run on each request once its route is known; the router ends the chain. */
  filters: HttpFilterChain;
  /** The share of requests without a sampled parent that start a trace, 0–1. */
  traceSampling: number;
  /** The access log's format; undefined when requests are not logged. */
  accessLog: AccessLogFormat | undefined;
  /** Upgrade types (lowercase, e.g. websocket) the HCM's upgrade_configs enable. */
  upgradeTypes: ReadonlySet<string>;
  /** HCM stream_idle_timeout: an upgraded connection idle this long closes; 0: never. */
  streamIdleTimeoutMs: number;
}

/** What a proxy listener serves with: its routes by listener name, and the clusters they name. */
export interface RoutingConfig {
  listeners: ReadonlyMap<string, HttpRoutes>;
  clusters: ReadonlyMap<string, Cluster>;
}

/** `source`: the service this sidecar speaks for, sent upstream as x-pilotfish-source (outbound only). */
export function routeRequest(
  routes: HttpRoutes,
  clusters: ReadonlyMap<string, Cluster>,
  req: IncomingMessage,
  res: ServerResponse,
  source?: string,
): void {
  if (routes.routeTable === undefined) {
    localReply(
      res,
      503,
      `RouteConfiguration "${routes.routeConfigName}" has not arrived from the control plane yet (${routes.listenerName} listener)`,
      'NR',
    );
    return;
  }
  if (isUpgrade(req) && !routes.upgradeTypes.has((req.headers.upgrade ?? '').toLowerCase())) {
    // As Envoy: an upgrade the HCM's upgrade_configs do not list is refused.
    localReply(
      res,
      403,
      `upgrade "${req.headers.upgrade ?? ''}" is not enabled on the ${routes.listenerName} listener (HttpConnectionManager upgrade_configs)`,
    );
    return;
  }
  ensureRequestId(req);
  const target = requestTarget(req.url ?? '', req.headers.host, routes.stripAnyHostPort);
  if (target === undefined) {
    localReply(
      res,
      400,
      `request target "${req.url}" needs a Host header or an absolute http:// URI (${routes.listenerName} listener)`,
    );
    return;
  }
  const virtualHost = routes.routeTable.virtualHosts.find(target.host);
  if (virtualHost === undefined) {
    // Envoy's NR: no route.
    localReply(res, 404, `no route for host "${target.host}" (${routes.listenerName} listener)`, 'NR');
    return;
  }
  const route = findRoute(virtualHost.routes, { method: req.method, headers: req.headers, path: target.path });
  if (route === undefined) {
    localReply(
      res,
      404,
      `no route for path "${target.path}" in virtual host "${virtualHost.name}" (${routes.listenerName} listener)`,
      'NR',
    );
    return;
  }
  routes.filters.decode(req, res, route.action.filterConfig, forwardRoute, {
    routes,
    clusters,
    req,
    res,
    route,
    target,
    source,
  });
}

/** A request whose route is known, on its way through the filters to forwardRoute. */
interface RoutedRequest {
  routes: HttpRoutes;
  clusters: ReadonlyMap<string, Cluster>;
  req: IncomingMessage;
  res: ServerResponse;
  route: Route;
  target: RequestTarget;
  source: string | undefined;
}

function forwardRoute({ routes, clusters, req, res, route, target, source }: RoutedRequest): void {
  const { action } = route;
  const clusterName = pickClusterName(action.clusters);
  const record = recordOf(res);
  record?.routed(clusterName);
  const cluster = clusters.get(clusterName);
  if (cluster === undefined) {
    // Envoy's NC: the route names a cluster this sidecar does not have.
    localReply(res, 503, `cluster "${clusterName}" not found (route "${route.name}")`, 'NC');
    return;
  }
  const method = req.method ?? 'GET';
  const path = action.prefixRewrite === undefined ? target.path : rewritePath(action.prefixRewrite, target.path);
  // A gateway's HTTPS server hands the router TLS sockets.
  const headers = upstreamRequestHeaders(
    req.rawHeaders,
    action.hostRewrite ?? target.authority,
    req.socket.remoteAddress,
    source,
    record?.span,
    (req.socket as TLSSocket).encrypted === true,
  );
  if (action.requestHeaders !== undefined) editRequestHeaders(action.requestHeaders, headers);
  const hashKey = action.hashPolicy.length > 0 ? hashKeyOf(action.hashPolicy, req) : undefined;
  if (isUpgrade(req)) {
    // A tunnel is held by the circuit breaker for its life (an attempt, by the cluster layer).
    if (!cluster.admitRequest()) {
      const overflow = overflowFailure(cluster);
      localReply(res, overflow.status, overflow.message, overflow.flag, overflow.headers);
      return;
    }
    // Upgrades are neither retried nor mirrored: the connection is handed over once.
    openTunnel(req, res, { cluster, method, path, headers, hashKey, idleTimeoutMs: routes.streamIdleTimeoutMs });
    return;
  }
  const mayRetry = action.retry !== undefined && isRetriableRequest(action.retry, req.headers, method);
  let mirrorTo: Cluster[] | undefined;
  for (const policy of action.mirrors) {
    const mirrorCluster = clusters.get(policy.cluster);
    if (mirrorCluster !== undefined && hits(policy.perMillion)) (mirrorTo ??= []).push(mirrorCluster);
  }
  // A gRPC caller's deadline bounds the exchange too (Envoy honours grpc-timeout the same way).
  const deadlineMs = grpcTimeoutMs(req.headers['grpc-timeout']);
  const isGrpcDeadline = deadlineMs !== undefined && (action.timeoutMs === 0 || deadlineMs < action.timeoutMs);
  const request: ForwardedRequest = {
    cluster,
    method,
    path,
    headers,
    body: null,
    isDownstreamHttp2: req.httpVersionMajor === 2,
    hashKey,
    attempts: 0,
    previous: undefined,
    record,
    timeoutMs: isGrpcDeadline ? deadlineMs : action.timeoutMs,
    isGrpcDeadline,
    mayRetry,
    mirrorTo,
  };
  if (!hasBody(req)) {
    send(req, res, action, request);
    return;
  }
  if (record !== undefined) countRequestBytes(req, record);
  if (mirrorTo === undefined) {
    // A retried request's body streams on as it comes, kept for the retries.
    request.body = mayRetry ? new ReplayableBody(req) : req;
    send(req, res, action, request);
  } else {
    // A mirror sends the whole body too: read it first.
    readReplayableBody(req).then(
      (body) => {
        request.body = body;
        send(req, res, action, request);
      },
      () => resetResponse(res),
    );
  }
}

/** Hands the request to the route's stack, which reports to the relay to the caller. */
function send(req: IncomingMessage, res: ServerResponse, action: RouteAction, request: ForwardedRequest): void {
  action.dispatch(request, new ResponseRelay(req, res, request, action.responseHeaders));
}

function rewritePath(rewrite: PathRewrite, path: string): string {
  return path.startsWith(rewrite.matched) ? `${rewrite.replacement}${path.slice(rewrite.matched.length)}` : path;
}
