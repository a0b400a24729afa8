// A listener of the sidecar (inbound or outbound), the top of the request path: accepts HTTP/1.1
// and HTTP/2 on one port (the h2 preface on cleartext, ALPN under TLS), answers malformed requests,
// and hands each request to the router with the config version in force. HTTP/2 requests come
// through node:http2's compatibility API, whose request and response have the members of
// IncomingMessage and ServerResponse the request path uses. close() stops accepting and lets
// in-flight requests finish.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer, createServer as createH2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session, type SecureServerOptions } from 'node:http2';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { routeRequest, type RoutingConfig } from '../router/router.js';
import { attachExchange, exchangeOf } from '../telemetry/exchange.js';
import { recordRequest, type LocalService } from '../telemetry/record-request.js';
import type { RequestMetrics } from '../telemetry/request-metrics.js';
import { localReply } from '../upstream/local-reply.js';
import { listenOn, type Listener } from './listener.js';
import { answerMalformedRequest } from './malformed-request.js';
import { sniffProtocol } from './protocol-detection.js';

export interface ProxyListenerOptions {
  name: 'inbound' | 'outbound';
  /** The config version in force, read per request; undefined until the first one arrives. */
  getConfig(): RoutingConfig | undefined;
  /** The service this sidecar speaks for, named to destinations (outbound only). */
  source?: string;
  /** Where each request is counted (Istio's metrics), with the service this sidecar speaks for. */
  telemetry?: { metrics: RequestMetrics; local: LocalService };
  /** Serve TLS (ALPN h2 and http/1.1): the key, certificate and TLS options; cleartext when absent. */
  tls?: SecureServerOptions;
  logger: Logger;
}

const MAX_HEADER_BYTES = 64 * 1024;
// Longer than the 4 s idle timeout of the upstream pools in peers' sidecars, so they close first.
const KEEP_ALIVE_TIMEOUT_MS = 5000;
// A client gets this long to send its request headers; bodies may stream for as long as they take.
const HEADERS_TIMEOUT_MS = 60_000;

export function createProxyListener({ name, getConfig, source, telemetry, tls, logger }: ProxyListenerOptions): Listener {
  let active = 0;
  let isDraining = false;
  let onDrained: (() => void) | undefined;

  function onResponseClose(this: ServerResponse): void {
    if (telemetry !== undefined) {
      const exchange = exchangeOf(this);
      if (exchange !== undefined) recordRequest(telemetry.metrics, name, telemetry.local, this, exchange, performance.now());
    }
    active--;
    if (active === 0) onDrained?.();
  }

  function serve(req: IncomingMessage, res: ServerResponse): void {
    const config = getConfig();
    const routes = config?.listeners.get(name);
    if (config === undefined || routes === undefined) {
      localReply(res, 503, `no configuration for the ${name} listener from the control plane yet`);
      return;
    }
    routeRequest(routes, config.clusters, req, res, source);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    active++;
    if (telemetry !== undefined) attachExchange(res, performance.now());
    res.on('close', onResponseClose);
    // While draining, each response closes its connection, so keep-alive clients move on.
    if (isDraining && req.httpVersionMajor === 1) res.setHeader('connection', 'close');
    try {
      serve(req, res);
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

  const h1 = createServer({ maxHeaderSize: MAX_HEADER_BYTES, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 0 }, onRequest);
  h1.on('clientError', answerMalformedRequest(name, logger));
  const h2Options = { maxSessionMemory: 64, settings: { maxHeaderListSize: MAX_HEADER_BYTES } };
  const h2 = tls === undefined ? createH2Server(h2Options, onH2Request) : createSecureServer({ ...h2Options, ...tls, allowHTTP1: true }, onH2Request);
  h2.on('session', onSession);
  h2.on('sessionError', (error) => logger.debug({ err: error, listener: name }, 'HTTP/2 session error'));
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
  }
  const server = tls === undefined ? h1 : h2;

  return {
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
      if (server === h1) h1.closeAllConnections();
      for (const session of sessions) session.destroy();
      await closed;
    },
  };
}
