// Whose an intercepted outbound connection is, by the address it was sent to: a TCP listener's
// (a TCP service's virtual IP or one of its instances), an HTTP service's (its virtual IP, a
// domain of its virtual host, or one of its instances), or no service's. Built once per config
// version, on the first connection that needs it; a lookup is a Map get or two.
import type { HttpRoutes, VirtualHost } from '../router/router.js';
import { hostKey } from '../upstream/upstream-host.js';
import type { ProxyConfig } from '../xds/compile.js';
import type { TcpProxyListener } from '../xds/compile-tcp-proxy.js';
import type { OriginalDestination } from './original-destination.js';

export type InterceptedDestination =
  { kind: 'tcp'; listener: TcpProxyListener } | { kind: 'http'; virtualHost: VirtualHost } | { kind: 'unknown' };

const UNKNOWN: InterceptedDestination = { kind: 'unknown' };

export class DestinationTable {
  readonly #byAddress = new Map<string, InterceptedDestination>();
  readonly #routes: HttpRoutes | undefined;

  constructor(config: ProxyConfig, outbound: HttpRoutes | undefined) {
    this.#routes = outbound;
    for (const listener of config.tcpListeners.values()) {
      const destination = { kind: 'tcp', listener } as const;
      for (const address of listener.virtualAddresses) this.#byAddress.set(address, destination);
      for (const endpoint of config.clusters.get(listener.cluster)?.endpoints ?? [])
        this.#byAddress.set(endpoint.host.key, destination);
    }
    const virtualHosts = outbound?.routeTable?.virtualHosts;
    if (virtualHosts === undefined) return;
    // A service's cluster is named by its FQDN, one of its virtual host's domains; subset clusters
    // name none, and their endpoints are the service's anyway.
    for (const [name, cluster] of config.clusters) {
      const virtualHost = virtualHosts.find(name);
      if (virtualHost === undefined) continue;
      const destination = { kind: 'http', virtualHost } as const;
      for (const endpoint of cluster.endpoints)
        if (!this.#byAddress.has(endpoint.host.key)) this.#byAddress.set(endpoint.host.key, destination);
    }
  }

  find(destination: OriginalDestination): InterceptedDestination {
    const known = this.#byAddress.get(hostKey(destination.address, destination.port));
    if (known !== undefined) return known;
    // An HTTP service's virtual IP is a domain of its virtual host, whatever the port.
    const virtualHost = this.#routes?.routeTable?.virtualHosts.find(destination.address);
    return virtualHost === undefined ? UNKNOWN : { kind: 'http', virtualHost };
  }
}

const tables = new WeakMap<ProxyConfig, DestinationTable>();

/** The table of a config version: built once, kept while the version is. */
export function destinationTable(config: ProxyConfig, outbound: HttpRoutes | undefined): DestinationTable {
  let table = tables.get(config);
  if (table === undefined) tables.set(config, (table = new DestinationTable(config, outbound)));
  return table;
}
