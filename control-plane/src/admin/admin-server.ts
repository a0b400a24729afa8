// The control plane's admin HTTP listener: readiness, Prometheus metrics and JSON debug views of
// the registry, the policy config and the connected proxies. Read-only; bind it to loopback or a trusted network.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ConfigStore } from '../config/config-store.js';
import { toWireInstance } from '../registry/instance.js';
import type { RegistrySource } from '../registry/registry-source.js';
import type { ProxyStatusTable } from '../xds/proxy-status.js';
import type { SnapshotCache } from '../xds/snapshot-cache.js';
import { RESOURCE_TYPE_URLS } from '../../../proto/xds.js';
import { TYPE_SHORT_NAMES } from '../xds/proxy-status.js';
import type { Registry as MetricsRegistry } from 'prom-client';
import { addControlPlaneMetrics } from './metrics.js';

export interface AdminSources {
  registry: RegistrySource;
  proxies: ProxyStatusTable;
  cache: SnapshotCache;
  config: ConfigStore;
  /** Where the ADS server counts; the admin adds its gauges to it. */
  metrics: MetricsRegistry;
  isReady(): boolean;
}

export function createAdminServer(sources: AdminSources): Server {
  const metrics = addControlPlaneMetrics(sources.metrics, sources);
  const routes: Record<string, (res: ServerResponse) => void> = {
    '/ready': (res) => {
      const ready = sources.isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
    },
    '/debug/registry': (res) =>
      json(res, {
        revision: sources.registry.revision,
        services: sources.registry
          .services()
          .map((service) => ({ ...service, instances: service.instances.map(toWireInstance) })),
      }),
    '/metrics': (res) => {
      metrics.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (error: Error) => json(res, { error: `collecting metrics failed: ${error.message}` }, 500),
      );
    },
    '/debug/config': (res) => json(res, sources.config.view()),
    '/debug/proxies': (res) => json(res, { proxies: sources.proxies.list() }),
    '/debug/snapshots': (res) =>
      json(res, {
        groups: sources.cache.groups().map((group) => ({
          group,
          ...(sources.cache.rejection(group) ? { rejected: sources.cache.rejection(group) } : {}),
          types: Object.fromEntries(
            RESOURCE_TYPE_URLS.map((typeUrl) => {
              const snapshot = sources.cache.get(group, typeUrl);
              return [
                TYPE_SHORT_NAMES[typeUrl],
                { version: snapshot?.version ?? '', resources: [...(snapshot?.resources.keys() ?? [])] },
              ];
            }),
          ),
        })),
      }),
  };
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const route = routes[path];
    if (req.method !== 'GET' || !route) {
      json(res, { error: `no admin endpoint ${req.method} ${path}`, endpoints: Object.keys(routes) }, 404);
      return;
    }
    route(res);
  });
}

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
}
