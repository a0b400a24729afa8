// A listener of the sidecar (inbound or outbound) or of a gateway (plain or TLS), the top of the
// request path: accepts HTTP/1.1 and HTTP/2 on one port (the h2 preface on cleartext, ALPN under
// TLS), answers malformed requests, and hands each request to the router with the config version
// in force. HTTP/2 requests come through node:http2's compatibility API, whose request and response
// have the members of IncomingMessage and ServerResponse the request path uses. HTTP/1.1 upgrades
// (WebSocket) take the same path. close() stops accepting and lets in-flight requests finish.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createSecureServer,
  createServer as createH2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type SecureServerOptions,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { routeRequest, type RoutingConfig } from '../router/router.js';
import type { AccessLog } from '../telemetry/access-log.js';
import { attachExchange, exchangeOf, keepDownstreamAddress, type Exchange } from '../telemetry/exchange.js';
import { recordRequest, type LocalService } from '../telemetry/record-request.js';
import type { RequestMetrics } from '../telemetry/request-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import { localReply } from '../upstream/local-reply.js';
import { listenOn, type Listener } from './listener.js';
import { answerMalformedRequest } from './malformed-request.js';
import { sniffProtocol } from './protocol-detection.js';
import { acceptUpgrades } from './upgrade-request.js';

export interface ProxyListenerOptions {
  name: 'inbound' | 'outbound';
  /** The config version in force, read per request; undefined until the first one arrives. */
  getConfig(): RoutingConfig | undefined;
  /** The service this sidecar speaks for, named to destinations (outbound only). */
  source?: string;
  /**
   * Where each request is counted (Istio's metrics), with the service this sidecar speaks for,
   * logged when the listener's config asks for an access log, and traced.
   */
  telemetry?: { metrics: RequestMetrics; local: LocalService; accessLog: AccessLog; tracing?: Tracing };
  /** Serve TLS (ALPN h2 and http/1.1; a gateway's HTTPS server): key, certificate and TLS options; cleartext when absent. */
  tls?: SecureServerOptions;
  logger: Logger;
}

export interface ProxyListener extends Listener {
  /** TLS listeners only: the key and certificate new connections get from now on. */
  setTls?(tls: Pick<SecureContextOptions, 'key' | 'cert'>): void;
}

const MAX_HEADER_BYTES = 64 * 1024;
// Longer than the 4 s idle timeout of the upstream pools in peers' sidecars, so they close first.
const KEEP_ALIVE_TIMEOUT_MS = 5000;
// A client gets this long to send its request headers; bodies may stream for as long as they take.
const HEADERS_TIMEOUT_MS = 60_000;

export function createProxyListener({
  name,
  getConfig,
  source,
  telemetry,
  tls,
  logger,
}: ProxyListenerOptions): ProxyListener {
  let active = 0;
  let isDraining = false;
  let onDrained: (() => void) | undefined;

  function onResponseClose(this: ServerResponse): void {
    if (telemetry !== undefined) {
      const exchange = exchangeOf(this);
      if (exchange !== undefined) {
        const now = performance.now();
        recordRequest(telemetry.metrics, name, telemetry.local, this, exchange, now);
        telemetry.tracing?.endSpan(exchange, this, name);
        if (exchange.accessLog !== undefined)
          telemetry.accessLog.write(exchange.accessLog, { res: this, exchange, durationMs: now - exchange.startedAt });
      }
    }
    active--;
    if (active === 0) onDrained?.();
  }

  function serve(req: IncomingMessage, res: ServerResponse, exchange: Exchange | undefined): void {
    const config = getConfig();
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
    if (exchange !== undefined) telemetry?.tracing?.startSpan(exchange, req, name);
    res.on('close', onResponseClose);
    // While draining, each response closes its connection, so keep-alive clients move on.
    if (isDraining && req.httpVersionMajor === 1) res.setHeader('connection', 'close');
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
    onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  }

  const sessions = new Set<Http2Session>();
  function onSession(session: Http2Session): void {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // While draining, a GOAWAY at once: the client opens no new streams here.
    if (isDraining) session.close();
  }

  const h1 = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: 0,
    },
    onRequest,
  );
  h1.on('clientError', answerMalformedRequest(name, logger));
  const h2Options = { maxSessionMemory: 64, settings: { maxHeaderListSize: MAX_HEADER_BYTES } };
  const secure =
    tls === undefined ? undefined : createSecureServer({ ...h2Options, ...tls, allowHTTP1: true }, onH2Request);
  const h2 = secure ?? createH2Server(h2Options, onH2Request);
  h2.on('session', onSession);
  h2.on('sessionError', (error) => logger.debug({ err: error, listener: name }, 'HTTP/2 session error'));
  // Under TLS, HTTP/1.1 connections are the h2 server's too: kept to be cut when a drain ends.
  const tlsSockets = new Set<TLSSocket>();
  if (tls === undefined) {
    // The HTTP/1.1 server listens; each connection it accepts is handed to it or to the h2 server
    // by its first bytes, so HTTP/1.1 keeps Node's own connection handling (and its speed).
    const [http1Connection] = h1.listeners('connection') as Array<(socket: Socket) => void>;
    h1.removeAllListeners('connection');
    h1.on('connection', (socket: Socket) =>
      sniffProtocol(socket, HEADERS_TIMEOUT_MS, (detected, protocol) => {
        if (protocol === 'h2') {
          h2.emit('connection', detected);
          return;
        }
        http1Connection?.call(h1, detected);
        detected.resume();
      }),
    );
  } else {
    h2.on('secureConnection', (socket: TLSSocket) => {
      tlsSockets.add(socket);
      socket.once('close', () => tlsSockets.delete(socket));
    });
  }
  const server = tls === undefined ? h1 : h2;
  const upgrades = acceptUpgrades((req, res) => onRequest(req, res));
  server.on('upgrade', upgrades.accept);

  return {
    ...(secure === undefined
      ? {}
      : { setTls: (next: Pick<SecureContextOptions, 'key' | 'cert'>) => secure.setSecureContext(next) }),
    listen: (host, port) => listenOn(server, name, host, port, logger),
    async close(drainMs) {
      isDraining = true;
      // Stops accepting, and closes idle keep-alive connections (Node >= 19).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
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
      for (const session of sessions) session.destroy();
      for (const socket of tlsSockets) socket.destroy();
      upgrades.closeAll();
      await closed;
    },
  };
}
