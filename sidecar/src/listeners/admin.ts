// The admin listener of a sidecar or gateway (bind it to loopback): readiness, what it holds
// (/config_dump), its clusters and endpoints with counters, Prometheus metrics (/stats/prometheus),
// a gateway's bound listeners (/listeners), a graceful stop, and the app's config API (/v1/config).
// Endpoints are a table keyed by method and path; those that change state refuse what a browser page
// can send cross-origin without asking first (see cross-origin.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Cluster } from '../cluster/cluster.js';
import { clustersJson, clustersText } from './admin-clusters.js';
import type { AppConfig } from './app-config.js';
import { browserRequestReason } from './cross-origin.js';
import { listenOn, type Listener } from './listener.js';

export interface AdminSources {
  /** True once the first complete config is in force. */
  isReady(): boolean;
  /** What /ready says while not ready; the default names the first config from the control plane. */
  notReadyReason?(): string;
  /** What /ready adds to LIVE, e.g. that the config in force is a cached one. */
  readyDetail?(): string | undefined;
  configDump(): unknown;
  /** Every cluster the sidecar routes to, outbound and inbound. */
  clusters(): Iterable<Cluster>;
  /** Called once the answer to POST /quitquitquit is out. */
  quit(): void;
  /** The proxy listeners and where they are bound (GET /listeners); a gateway binds them as config says. */
  listeners?(): Array<{ name: string; address: string; tls: boolean }>;
  /** Served on GET /stats/prometheus. */
  metrics?: MetricsRegistry;
  /** The parameters this instance's app reads on GET /v1/config. */
  appConfig?: AppConfig;
  logger: Logger;
}

type AdminEndpoint = (res: ServerResponse, query: URLSearchParams, req: IncomingMessage) => void;

export function createAdminListener(sources: AdminSources): Listener {
  const endpoints = new Map<string, AdminEndpoint>([
    [
      'GET /ready',
      (res) => {
        const isReady = sources.isReady();
        text(
          res,
          isReady ? 200 : 503,
          isReady
            ? `LIVE${detailOf(sources.readyDetail?.())}\n`
            : `PRE_INITIALIZING: ${sources.notReadyReason?.() ?? 'waiting for the first complete config from the control plane'}\n`,
        );
      },
    ],
    ['GET /config_dump', (res) => json(res, 200, sources.configDump())],
    [
      'GET /clusters',
      (res, query) => {
        if (query.get('format') === 'json') json(res, 200, clustersJson(sources.clusters()));
        else text(res, 200, clustersText(sources.clusters()));
      },
    ],
    [
      'POST /quitquitquit',
      (res) => {
        sources.logger.info('stop requested on /quitquitquit');
        res.once('close', () => sources.quit());
        text(res, 200, 'OK\n');
      },
    ],
  ]);
  const { appConfig, metrics, listeners } = sources;
  if (listeners) endpoints.set('GET /listeners', (res) => json(res, 200, { listeners: listeners() }));
  if (metrics) {
    endpoints.set('GET /stats/prometheus', (res) => {
      metrics.metrics().then(
        (body) => res.writeHead(200, { 'content-type': metrics.contentType }).end(body),
        (error: Error) => text(res, 500, `collecting metrics failed: ${error.message}\n`),
      );
    });
  }
  if (appConfig) {
    endpoints.set('GET /v1/config', (res, query, req) => {
      if (query.get('watch') === 'true') appConfig.watch(req, res);
      else appConfig.get(req, res);
    });
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const endpoint = endpoints.get(`${req.method} ${path}`);
    if (endpoint === undefined) {
      json(res, 404, { error: `no admin endpoint ${req.method} ${path}`, endpoints: [...endpoints.keys()] });
      return;
    }
    const refused = req.method === 'GET' ? undefined : browserRequestReason(req);
    if (refused !== undefined) {
      sources.logger.warn({ path, origin: req.headers.origin }, 'admin request from a browser page refused');
      json(res, 403, { error: `${req.method} ${path} refused: ${refused}` });
      return;
    }
    try {
      endpoint(res, new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)), req);
    } catch (error) {
      sources.logger.error({ err: error, path }, 'admin endpoint failed');
      if (!res.headersSent) json(res, 500, { error: `${req.method} ${path} failed: ${(error as Error).message}` });
      else res.destroy();
    }
  });

  return {
    listen: (host, port) => listenOn(server, 'admin', host, port, sources.logger),
    close: () =>
      new Promise((resolve) => {
        appConfig?.close();
        server.close(() => resolve());
        // Admin requests are short; nothing is worth waiting for.
        server.closeAllConnections();
      }),
  };
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
}

function detailOf(detail: string | undefined): string {
  return detail === undefined ? '' : `: ${detail}`;
}
