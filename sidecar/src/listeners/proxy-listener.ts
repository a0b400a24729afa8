// A listener of the sidecar (inbound or outbound) or of a gateway (plain or TLS), the top of the
// request path: accepts HTTP/1.1 and HTTP/2 on one port (the h2 preface on cleartext, ALPN under
// TLS), answers malformed requests, and hands each request to the router with the config version
// in force, within the listener's limits (connections at once, time to send request headers, header
// fields per request). HTTP/2 requests come through node:http2's compatibility API, whose request and response
// have the members of IncomingMessage and ServerResponse the request path uses. HTTP/1.1 upgrades
// (WebSocket) take the same path. close() stops accepting and lets in-flight requests finish.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createSecureServer,
  createServer as createH2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type SecureServerOptions,
} from 'node:http2';
import type { Socket } from 'node:net';
import { DEFAULT_LISTENER_LIMITS, type ListenerLimits } from '../../../shared/listener-limits.js';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { routeRequest, type RoutingConfig } from '../router/router.js';
import { attachExchange, keepDownstreamAddress, type Exchange } from '../telemetry/exchange.js';
import { localReply } from '../upstream/local-reply.js';
import { routeCleartextConnections } from './cleartext-connections.js';
import type { InboundTlsOptions } from './inbound-tls.js';
import { listenOn, type Listener } from './listener.js';
import { ListenerSessions } from './listener-sessions.js';
import { reportFinishedRequest, type ListenerTelemetry } from './listener-telemetry.js';
import { answerMalformedRequest } from './malformed-request.js';
import { headersProblem, MAX_REQUEST_HEADER_BYTES, PARSER_MAX_HEADERS_COUNT } from './request-headers.js';
import { setVerifiedSource, verifiedPeer } from './source-identity.js';
import { acceptUpgrades } from './upgrade-request.js';

export interface ProxyListenerOptions {
  name: 'inbound' | 'outbound';
  /** The config version in force, read per request (for its connection, in intercept mode); undefined until the first one arrives. */
  getConfig(req: IncomingMessage): RoutingConfig | undefined;
  /** The service this sidecar speaks for, named to destinations (outbound only). */
  source?: string;
  /**
   * Where each request is counted (Istio's metrics), with the service this sidecar speaks for,
   * logged when the listener's config asks for an access log, and traced.
   */
  telemetry?: ListenerTelemetry;
  /** The limits in force, read per connection and per request; the defaults when absent. */
  getLimits?(): ListenerLimits;
  /** Serve TLS (ALPN h2 and http/1.1; a gateway's HTTPS server): key, certificate and TLS options; cleartext when absent. */
  tls?: SecureServerOptions;
  /** A sidecar's inbound listener: mutual TLS with the workload's certificate, plaintext where its config allows. */
  mutualTls?: InboundTlsOptions;
  logger: Logger;
}

export interface ProxyListener extends Listener {
  /** Serves a connection another listener accepted (an intercepting one's), flowing. */
  handOver(socket: Socket): void;
  /** TLS listeners only: the key and certificate new connections get from now on. */
  setTls?(tls: Pick<SecureContextOptions, 'key' | 'cert'>): void;
}

// An idle downstream keep-alive connection stays open an hour, as Envoy's HttpConnectionManager
// idle_timeout: callers close first (peers' sidecar pools after 4 s, Node's agents after 5 s), so a
// request never races our close of a connection the caller just picked (ECONNRESET, "socket hang up").
const KEEP_ALIVE_TIMEOUT_MS = 3_600_000;
// How often Node looks for requests past their headers timeout: a slow client is closed within this
// much after its limit (Node's default, 30 s, would hold slowloris connections that much longer).
const HEADERS_TIMEOUT_CHECK_MS = 1000;
const defaultLimits = (): ListenerLimits => DEFAULT_LISTENER_LIMITS;

export function createProxyListener({
  name,
  getConfig,
  source,
  telemetry,
  tls,
  mutualTls,
  getLimits = defaultLimits,
  logger,
}: ProxyListenerOptions): ProxyListener {
  let active = 0;
  let isDraining = false;
  let onDrained: (() => void) | undefined;

  function onResponseClose(this: ServerResponse): void {
    if (telemetry !== undefined) reportFinishedRequest(telemetry, name, this);
    active--;
    if (active === 0) onDrained?.();
  }

  function serve(req: IncomingMessage, res: ServerResponse, exchange: Exchange | undefined): void {
    const config = getConfig(req);
    const routes = config?.listeners.get(name);
    if (config === undefined || routes === undefined) {
      localReply(res, 503, `no configuration for the ${name} listener from the control plane yet`);
      return;
    }
    if (exchange !== undefined && routes.accessLog !== undefined) {
      exchange.accessLog = routes.accessLog;
      keepDownstreamAddress(exchange, req);
    }
    routeRequest(routes, config.clusters, req, res, source);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    active++;
    const exchange = telemetry === undefined ? undefined : attachExchange(res, performance.now());
    if (mutualTls !== undefined) {
      // An h2 request's socket is a proxy of its stream: its session knows the connection's peer.
      const session = req.httpVersionMajor === 2 ? (req as unknown as Http2ServerRequest).stream.session : undefined;
      const peer = session === undefined ? verifiedPeer(req.socket) : sessions.peerOf(session);
      setVerifiedSource(req, peer);
      if (exchange !== undefined && peer !== undefined) exchange.sourcePrincipal = peer.spiffeId;
    }
    if (exchange !== undefined) telemetry?.tracing?.startSpan(exchange, req, name);
    res.on('close', onResponseClose);
    // While draining, each response closes its connection, so keep-alive clients move on.
    if (isDraining && req.httpVersionMajor === 1) res.setHeader('connection', 'close');
    const problem = headersProblem(req.rawHeaders, getLimits().maxRequestHeaders);
    if (problem !== undefined) {
      localReply(res, problem[0], `${problem[1]} (${name} listener)`);
      return;
    }
    try {
      serve(req, res, exchange);
    } catch (error) {
      logger.error({ err: error, listener: name, url: req.url }, 'request failed inside the proxy');
      localReply(res, 500, `internal error in the ${name} listener: ${(error as Error).message}`);
    }
  }

  function onH2Request(req: Http2ServerRequest, res: Http2ServerResponse): void {
    // The router reads the authority where HTTP/1.1 has it.
    req.headers.host ??= req.authority;
    // Under TLS, HTTP/1.1 requests come here too (allowHTTP1).
    if (req.httpVersionMajor !== 2) {
      onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse);
      return;
    }
    // By then the RST_STREAM frames read with the HEADERS have closed their streams: a request the
    // client cancelled at once is never forwarded (rapid reset).
    setImmediate(serveH2Request, req, res);
  }

  function serveH2Request(req: Http2ServerRequest, res: Http2ServerResponse): void {
    if (req.stream.destroyed) return;
    onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  }

  const sessions = new ListenerSessions(name, logger);

  const h1 = createServer(
    {
      maxHeaderSize: MAX_REQUEST_HEADER_BYTES,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: DEFAULT_LISTENER_LIMITS.requestHeadersTimeoutMs,
      requestTimeout: 0,
      connectionsCheckingInterval: HEADERS_TIMEOUT_CHECK_MS,
    },
    onRequest,
  );
  h1.maxHeadersCount = PARSER_MAX_HEADERS_COUNT;
  h1.on('clientError', answerMalformedRequest(name, logger));
  // Room for the pseudo-headers, so a request over the field limit gets its 431 rather than a reset.
  const h2Options = {
    maxSessionMemory: 64,
    maxHeaderListPairs: PARSER_MAX_HEADERS_COUNT + 8,
    settings: { maxHeaderListSize: MAX_REQUEST_HEADER_BYTES },
  };
  const secure =
    tls === undefined ? undefined : createSecureServer({ ...h2Options, ...tls, allowHTTP1: true }, onH2Request);
  const h2 = secure ?? createH2Server(h2Options, onH2Request);
  h2.on('session', (session) => sessions.add(session, isDraining, () => getLimits().requestHeadersTimeoutMs));
  h2.on('sessionError', (error) => logger.debug({ err: error, listener: name }, 'HTTP/2 session error'));
  // Under TLS, HTTP/1.1 connections are the h2 server's too: kept to be cut when a drain ends.
  const tlsSockets = new Set<TLSSocket>();
  if (tls === undefined) {
    routeCleartextConnections(h1, h2, {
      mutualTls,
      requestHeadersTimeoutMs: () => getLimits().requestHeadersTimeoutMs,
      sessions,
      tlsSockets,
      logger,
    });
  } else {
    h2.on('secureConnection', (socket: TLSSocket) => {
      tlsSockets.add(socket);
      socket.once('close', () => tlsSockets.delete(socket));
    });
  }
  const server = tls === undefined ? h1 : h2;
  // The limits in force when a connection comes, or is refused: Node closes one past maxConnections at once.
  const applyLimits = (): void => {
    const limits = getLimits();
    server.maxConnections = limits.maxConnections;
    h1.headersTimeout = limits.requestHeadersTimeoutMs;
  };
  applyLimits();
  server.prependListener('connection', applyLimits);
  server.on('drop', (dropped?: { remoteAddress?: string }) => {
    logger.debug(
      { listener: name, remote: dropped?.remoteAddress },
      'connection refused: listener at its connection limit',
    );
    applyLimits();
  });
  const upgrades = acceptUpgrades((req, res) => onRequest(req, res));
  server.on('upgrade', upgrades.accept);

  return {
    ...(secure === undefined
      ? {}
      : { setTls: (next: Pick<SecureContextOptions, 'key' | 'cert'>) => secure.setSecureContext(next) }),
    listen: (host, port) => listenOn(server, name, host, port, logger),
    handOver: (socket) => server.emit('connection', socket),
    async close(drainMs) {
      isDraining = true;
      // Stops accepting, and closes idle keep-alive connections (Node >= 19).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      sessions.closeAll();
      if (active > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainMs);
          onDrained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      h1.closeAllConnections();
      sessions.destroyAll();
      for (const socket of tlsSockets) socket.destroy();
      upgrades.closeAll();
      await closed;
    },
  };
}
