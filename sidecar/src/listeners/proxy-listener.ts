// An HTTP/1.1 listener of the sidecar (inbound or outbound): parses requests, routes them by host
// and path to a cluster, picks an endpoint and forwards. Malformed requests are answered, never
// thrown; close() stops accepting and lets in-flight requests finish.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { requestTarget } from '../router/request-target.js';
import { findRoute } from '../router/route-matcher.js';
import { forward } from '../upstream/forward.js';
import { upstreamRequestHeaders } from '../upstream/headers.js';
import type { ProxyConfig } from '../xds/compile.js';
import { localReply } from './local-reply.js';

export interface ProxyListenerOptions {
  name: 'inbound' | 'outbound';
  getConfig(): ProxyConfig | undefined;
  logger: Logger;
}

export interface Listener {
  listen(host: string, port: number): Promise<AddressInfo>;
  /** Stops accepting; waits up to `drainMs` for in-flight requests, then closes what is left. */
  close(drainMs: number): Promise<void>;
}

const MAX_HEADER_BYTES = 64 * 1024;
// Longer than the upstream pools' 4 s idle timeout in peers' sidecars: the peer closes first.
const KEEP_ALIVE_TIMEOUT_MS = 5000;

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  ERR_HTTP_HEADERS_TIMEOUT: [408, 'Request Timeout'],
};

export function createProxyListener({ name, getConfig, logger }: ProxyListenerOptions): Listener {
  let active = 0;
  let draining = false;
  let idle: (() => void) | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    active++;
    res.once('close', () => {
      if (--active === 0) idle?.();
    });
    if (draining) res.setHeader('connection', 'close');
    route(req, res);
  };

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const config = getConfig();
    if (!config?.routeTable) {
      localReply(res, 503, `${name} listener has no route configuration from the control plane yet`);
      return;
    }
    const target = requestTarget(req.url ?? '', req.headers.host);
    if (!target) {
      localReply(res, 400, `request target "${req.url}" needs a Host header or an absolute http:// URI`);
      return;
    }
    const virtualHost = config.routeTable.virtualHosts.find(target.host);
    if (!virtualHost) {
      localReply(res, 404, `no route for host "${target.host}" (${name} listener)`);
      return;
    }
    const matched = findRoute(virtualHost.routes, target.path);
    if (!matched) {
      localReply(res, 404, `no route for path "${target.path}" in virtual host "${virtualHost.name}" (${name} listener)`);
      return;
    }
    const cluster = config.clusters.get(matched.cluster);
    if (!cluster) {
      localReply(res, 503, `cluster "${matched.cluster}" not found (route "${matched.name}" of "${virtualHost.name}")`);
      return;
    }
    const endpoint = cluster.loadBalancer.pick();
    if (!endpoint) {
      localReply(res, 503, `no healthy endpoint for cluster "${cluster.name}"`);
      return;
    }
    const headers = upstreamRequestHeaders(req.rawHeaders, target.authority, req.socket.remoteAddress);
    forward(req, res, endpoint.host, cluster.name, target.path, headers);
  };

  const server: Server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, requestTimeout: 0, headersTimeout: 60_000 },
    handle,
  );
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, text] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request'];
    const body = `malformed request: ${error.code ?? error.message} (${name} listener)\n`;
    logger.debug({ listener: name, code: error.code, remote: socket.remoteAddress }, 'rejected malformed request');
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', (error) => reject(new Error(`${name} listener cannot listen on ${host}:${port}`, { cause: error })));
        server.listen(port, host, () => resolve(server.address() as AddressInfo));
      }),
    async close(drainMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (active > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainMs);
          idle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
