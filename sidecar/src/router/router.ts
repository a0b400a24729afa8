// The router layer: finds the virtual host by the request's host and the first route whose match
// accepts the request, then does what the route says — fault, cluster choice, circuit breaking,
// rewrites, header edits, mirrors — and hands the exchange to the upstream layer (an upgrade, to a
// tunnel). Everything it reads was compiled with the config version; a request does lookups only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Cluster } from '../cluster/cluster.js';
import type { LocalRateLimiter } from '../filters/local-rate-limit.js';
import type { AccessLogFormat } from '../telemetry/access-log.js';
import { countRequestBytes, exchangeOf } from '../telemetry/exchange.js';
import { grpcTimeoutMs } from '../upstream/grpc-status.js';
import { localReply, resetResponse } from '../upstream/local-reply.js';
import { mirror } from '../upstream/mirror.js';
import { ensureRequestId, upstreamRequestHeaders } from '../upstream/proxy-headers.js';
import { ReplayableBody } from '../upstream/replayable-body.js';
import { hasBody, readReplayableBody } from '../upstream/request-body.js';
import { isUpgrade } from '../upstream/upgrade-head.js';
import { openTunnel } from '../upstream/upgrade-tunnel.js';
import { UpstreamRequest, type UpstreamRequestOptions } from '../upstream/upstream-request.js';
import { pickClusterName } from './cluster-choice.js';
import { hits } from './fault.js';
import { hashKeyOf } from './hash-policy.js';
import { editRequestHeaders } from './header-edits.js';
import { isRetriableRequest } from './retry-policy.js';
import { requestTarget, type RequestTarget } from './request-target.js';
import type { PathRewrite } from './route-action.js';
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
  /** The local rate limit filter's config for routes without their own. */
  rateLimit: LocalRateLimiter | undefined;
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
  const rateLimit = route.action.rateLimit ?? routes.rateLimit;
  if (rateLimit !== undefined) {
    const limited = rateLimit.check(req.headers);
    if (limited !== undefined) {
      // Envoy's RL: rate limited.
      localReply(res, limited.status, `local rate limit exceeded (route "${route.name}")`, 'RL', limited.headers);
      return;
    }
  }
  const fault = route.action.fault;
  if (fault !== undefined && hits(fault.delayPerMillion)) {
    setTimeout(forwardRoute, fault.delayMs, routes, clusters, req, res, route, target, source);
    return;
  }
  forwardRoute(routes, clusters, req, res, route, target, source);
}

function forwardRoute(
  routes: HttpRoutes,
  clusters: ReadonlyMap<string, Cluster>,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  target: RequestTarget,
  source: string | undefined,
): void {
  if (res.destroyed) return;
  const { action } = route;
  if (action.fault !== undefined && hits(action.fault.abortPerMillion)) {
    // Envoy's FI: fault injected.
    localReply(res, action.fault.abortStatus, `fault filter abort (route "${route.name}")`, 'FI');
    return;
  }
  const clusterName = pickClusterName(action.clusters);
  const exchange = exchangeOf(res);
  if (exchange !== undefined) exchange.cluster = clusterName;
  const cluster = clusters.get(clusterName);
  if (cluster === undefined) {
    // Envoy's NC: the route names a cluster this sidecar does not have.
    localReply(res, 503, `cluster "${clusterName}" not found (route "${route.name}")`, 'NC');
    return;
  }
  if (!cluster.admitRequest()) {
    // Envoy's UO: upstream overflow, the cluster's circuit breakers are open.
    localReply(res, 503, `upstream overflow: cluster "${cluster.name}" is at its circuit breaker limits`, 'UO', {
      'x-envoy-overloaded': 'true',
    });
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
    exchange?.span,
    (req.socket as TLSSocket).encrypted === true,
  );
  if (action.requestHeaders !== undefined) editRequestHeaders(action.requestHeaders, headers);
  const hashKey = action.hashPolicy.length > 0 ? hashKeyOf(action.hashPolicy, req) : undefined;
  if (isUpgrade(req)) {
    // Upgrades are neither retried nor mirrored: the connection is handed over once.
    openTunnel(req, res, { cluster, method, path, headers, hashKey, idleTimeoutMs: routes.streamIdleTimeoutMs });
    return;
  }
  const retry =
    action.retry !== undefined && isRetriableRequest(action.retry, req.headers, method) ? action.retry : undefined;
  let mirrorTo: Cluster[] | undefined;
  for (const policy of action.mirrors) {
    const mirrorCluster = clusters.get(policy.cluster);
    if (mirrorCluster !== undefined && hits(policy.perMillion)) (mirrorTo ??= []).push(mirrorCluster);
  }
  const isHttp2 = speaksHttp2(cluster, req);
  // A gRPC caller's deadline bounds the exchange too (Envoy honours grpc-timeout the same way).
  const deadlineMs = grpcTimeoutMs(req.headers['grpc-timeout']);
  const isGrpcDeadline = deadlineMs !== undefined && (action.timeoutMs === 0 || deadlineMs < action.timeoutMs);
  const timeoutMs = isGrpcDeadline ? deadlineMs : action.timeoutMs;
  const options: UpstreamRequestOptions = {
    cluster,
    method,
    path,
    headers,
    body: null,
    isHttp2,
    hashKey,
    timeoutMs,
    isGrpcDeadline,
    retry,
    responseHeaders: action.responseHeaders,
  };
  if (!hasBody(req)) {
    send(req, res, options, mirrorTo);
    return;
  }
  if (exchange !== undefined) countRequestBytes(req, exchange);
  if (mirrorTo === undefined) {
    // A retried request's body streams on as it comes, kept for the retries.
    options.body = retry === undefined ? req : new ReplayableBody(req);
    send(req, res, options, mirrorTo);
  } else {
    // A mirror sends the whole body too: read it first.
    readReplayableBody(req).then(
      (body) => {
        options.body = body;
        send(req, res, options, mirrorTo);
      },
      () => {
        cluster.releaseRequest();
        resetResponse(res);
      },
    );
  }
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  options: UpstreamRequestOptions,
  mirrorTo: readonly Cluster[] | undefined,
): void {
  const { body } = options;
  // A body too large to hold streams once, to the caller's destination only.
  if (mirrorTo !== undefined && (body === null || Buffer.isBuffer(body))) {
    for (const cluster of mirrorTo)
      mirror(cluster, speaksHttp2(cluster, req), options.method, options.path, options.headers, body, options.hashKey);
  }
  new UpstreamRequest(req, res, options).start();
}

/** Whether the cluster gets HTTP/2: it says so, or it speaks what the request came in with. */
function speaksHttp2(cluster: Cluster, req: IncomingMessage): boolean {
  return cluster.protocol === 'http2' || (cluster.protocol === 'downstream' && req.httpVersionMajor === 2);
}

function rewritePath(rewrite: PathRewrite, path: string): string {
  return path.startsWith(rewrite.matched) ? `${rewrite.replacement}${path.slice(rewrite.matched.length)}` : path;
}
