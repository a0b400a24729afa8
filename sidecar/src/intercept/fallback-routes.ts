// Routing of an intercepted HTTP connection: by Host as always, and when the Host names no service
// (a call to http://10.96.0.10:8080/ or to an instance's address), by the service that owns the
// address the connection was sent to. One derived config per (config version, virtual host).
import type { HttpRoutes, RoutingConfig, VirtualHost } from '../router/router.js';
import { VirtualHostTable } from '../router/virtual-host-table.js';

class VirtualHostsWithFallback extends VirtualHostTable<VirtualHost> {
  constructor(
    private readonly hosts: VirtualHostTable<VirtualHost>,
    private readonly fallback: VirtualHost,
  ) {
    super([]);
  }

  override find(host: string): VirtualHost | undefined {
    return this.hosts.find(host) ?? this.fallback;
  }
}

const derived = new WeakMap<RoutingConfig, Map<VirtualHost, RoutingConfig>>();

/** `config` with its `listener` routes falling back to `fallback` for hosts no virtual host has. */
export function withFallback(config: RoutingConfig, listener: string, fallback: VirtualHost): RoutingConfig {
  let byHost = derived.get(config);
  if (byHost === undefined) derived.set(config, (byHost = new Map<VirtualHost, RoutingConfig>()));
  let result = byHost.get(fallback);
  if (result !== undefined) return result;
  const routes = config.listeners.get(listener) as HttpRoutes;
  const table = routes.routeTable;
  const withHosts: HttpRoutes =
    table === undefined
      ? routes
      : {
          ...routes,
          routeTable: { ...table, virtualHosts: new VirtualHostsWithFallback(table.virtualHosts, fallback) },
        };
  result = { listeners: new Map([[listener, withHosts]]), clusters: config.clusters };
  byHost.set(fallback, result);
  return result;
}
