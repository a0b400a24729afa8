// An HTTP/1.1 listener of the sidecar (inbound or outbound) or of a gateway (plain or TLS), the top
// of the request path: accepts, answers malformed requests, and hands each request to the router
// with the config version in force. close() stops accepting and lets in-flight requests finish.
import { createServer, type IncomingMessage, type RequestListener, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
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
  /** Terminate TLS with this key and certificate (a gateway's HTTPS server); plain HTTP without. */
  tls?: Pick<SecureContextOptions, 'key' | 'cert'>;
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

export function createProxyListener({ name, getConfig, source, telemetry, tls, logger }: ProxyListenerOptions): ProxyListener {
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
        if (exchange.accessLog !== undefined) telemetry.accessLog.write(exchange.accessLog, { res: this, exchange, durationMs: now - exchange.startedAt });
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

  // Over TLS: the same server options and request handler.
  const create = tls === undefined ? createServer : (options: ServerOptions, onRequest: RequestListener) => createTlsServer({ ...options, ...tls }, onRequest);
  const server = create(
    { maxHeaderSize: MAX_HEADER_BYTES, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 0 },
    (req, res) => {
      active++;
      const exchange = telemetry === undefined ? undefined : attachExchange(res, performance.now());
      if (exchange !== undefined) telemetry?.tracing?.startSpan(exchange, req, name);
      res.on('close', onResponseClose);
      // While draining, each response closes its connection, so keep-alive clients move on.
      if (isDraining) res.setHeader('connection', 'close');
      try {
        serve(req, res, exchange);
      } catch (error) {
        logger.error({ err: error, listener: name, url: req.url }, 'request failed inside the proxy');
        localReply(res, 500, `internal error in the ${name} listener: ${(error as Error).message}`);
      }
    },
  );
  server.on('clientError', answerMalformedRequest(name, logger));
  const upgrades = acceptUpgrades((req, res) => server.emit('request', req, res));
  server.on('upgrade', upgrades.accept);

  return {
    ...(tls === undefined ? {} : { setTls: (next: Pick<SecureContextOptions, 'key' | 'cert'>) => (server as TlsServer).setSecureContext(next) }),
    listen: (host, port) => listenOn(server, name, host, port, logger),
    async close(drainMs) {
      isDraining = true;
      // Stops accepting, and closes idle keep-alive connections (Node >= 19).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if (active > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainMs);
          onDrained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      server.closeAllConnections();
      upgrades.closeAll();
      await closed;
    },
  };
}
