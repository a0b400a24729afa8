// The sidecar's admin listener (loopback only): readiness, what it holds (/config_dump), its
// clusters and endpoints with counters, and a graceful stop. A table of routes, so later
// endpoints (/stats/prometheus, /v1/config) are one line each.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { Listener } from './proxy-listener.js';

export interface AdminSources {
  isReady(): boolean;
  configDump(): unknown;
  clusters(): readonly Cluster[];
  quit(): void;
  logger: Logger;
}

type AdminRoute = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => void;

export function createAdminListener(sources: AdminSources): Listener {
  const routes: Record<string, AdminRoute> = {
    'GET /ready': (_req, res) => {
      const ready = sources.isReady();
      text(res, ready ? 200 : 503, ready ? 'LIVE' : 'PRE_INITIALIZING: waiting for the first complete config from the control plane');
    },
    'GET /config_dump': (_req, res) => json(res, 200, sources.configDump()),
    'GET /clusters': (_req, res, query) =>
      query.get('format') === 'json' ? json(res, 200, { clusters: clustersJson(sources.clusters()) }) : text(res, 200, clustersText(sources.clusters())),
    'POST /quitquitquit': (_req, res) => {
      text(res, 200, 'OK');
      sources.logger.info('stop requested on /quitquitquit');
      sources.quit();
    },
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) {
      json(res, 404, { error: `no admin endpoint ${req.method} ${url.pathname}`, endpoints: Object.keys(routes) });
      return;
    }
    route(req, res, url.searchParams);
  });
  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', (error) => reject(new Error(`admin listener cannot listen on ${host}:${port}`, { cause: error })));
        server.listen(port, host, () => resolve(server.address() as AddressInfo));
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function clustersJson(clusters: readonly Cluster[]): object[] {
  return clusters.map((cluster) => ({
    name: cluster.name,
    endpoints: cluster.endpoints.map((endpoint) => ({
      address: endpoint.host.key,
      hostname: endpoint.hostname,
      health_status: endpoint.healthStatus,
      healthy: endpoint.isHealthy,
      rq_total: endpoint.host.stats.requests,
      rq_active: endpoint.host.stats.active,
      cx_connect_fail: endpoint.host.stats.connectFailures,
      rq_reset: endpoint.host.stats.resets,
    })),
  }));
}

// Envoy's /clusters text format: cluster::host::stat::value, one line each.
function clustersText(clusters: readonly Cluster[]): string {
  const lines: string[] = [];
  for (const cluster of clusters) {
    for (const endpoint of cluster.endpoints) {
      const prefix = `${cluster.name}::${endpoint.host.key}`;
      lines.push(
        `${prefix}::hostname::${endpoint.hostname}`,
        `${prefix}::health_flags::${endpoint.isHealthy ? 'healthy' : `/${endpoint.healthStatus.toLowerCase()}`}`,
        `${prefix}::rq_total::${endpoint.host.stats.requests}`,
        `${prefix}::rq_active::${endpoint.host.stats.active}`,
        `${prefix}::cx_connect_fail::${endpoint.host.stats.connectFailures}`,
        `${prefix}::rq_reset::${endpoint.host.stats.resets}`,
      );
    }
  }
  return lines.join('\n');
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${body}\n`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
}
