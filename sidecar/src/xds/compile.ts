// Compiles the accepted xDS resources into the config one listener serves: its route table and
// every cluster. Runs once per config version, never per request; pieces whose resources did not
// change (same objects: the ADS client replaces only the type that changed) are reused, so an EDS
// update rebuilds only the clusters whose endpoints changed and keeps warm connections.
import type { Cluster as ClusterResource } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment__Output } from '../../../proto/gen/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration__Output } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';
import { HCM_FILTER_NAME, ROUTER_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import type { Cluster } from '../cluster/cluster.js';
import { HostRegistry, type UpstreamHost } from '../upstream/upstream-host.js';
import { checkCluster, compileCluster, type CheckedCluster } from './compile-clusters.js';
import { compileListener, compileRouteConfiguration, type ListenerRoutes, type RouteTable } from './compile-routes.js';
import type { XdsResourceSet } from './resource-set.js';

export interface ProxyConfig {
  listenerName: string;
  /** Undefined until the listener and its route table have arrived. */
  routeTable: RouteTable | undefined;
  clusters: ReadonlyMap<string, Cluster>;
  hosts: HostRegistry;
  cache: CompileCache;
}

interface CompileCache {
  listeners: WeakMap<object, ListenerRoutes>;
  routes: WeakMap<object, RouteTable>;
  clusters: WeakMap<object, CheckedCluster>;
  /** Per cluster resource: the assignment it was compiled with, and the result. */
  compiled: WeakMap<object, { assignment: object | undefined; cluster: Cluster }>;
}

function cached<K extends object, V>(map: WeakMap<K, V>, key: K, build: (key: K) => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = build(key)));
  return value;
}

/** Throws XdsConfigError (becoming a NACK) for anything this sidecar would not honour. */
export function compileProxyConfig(resources: XdsResourceSet, listenerName: string, previous?: ProxyConfig): ProxyConfig {
  const hosts = previous?.hosts ?? new HostRegistry();
  const cache: CompileCache = previous?.cache ?? {
    listeners: new WeakMap(),
    routes: new WeakMap(),
    clusters: new WeakMap(),
    compiled: new WeakMap(),
  };
  const listener = resources.listeners.get(listenerName);
  let routeTable: RouteTable | undefined;
  if (listener) {
    const routes = cached(cache.listeners, listener, compileListener);
    const routeConfig: RouteConfiguration__Output | undefined = 'rds' in routes ? resources.routes.get(routes.rds) : routes.inline;
    if (routeConfig) routeTable = cached(cache.routes, routeConfig, compileRouteConfiguration);
  }
  const clusters = new Map<string, Cluster>();
  const inUse = new Set<UpstreamHost>();
  for (const [name, resource] of resources.clusters) {
    const checked = cached(cache.clusters, resource, checkCluster);
    const assignment: ClusterLoadAssignment__Output | undefined =
      checked.loadAssignmentName === undefined ? resource.load_assignment : resources.endpoints.get(checked.loadAssignmentName);
    const hit = cache.compiled.get(resource);
    const cluster =
      hit && hit.assignment === assignment ? hit.cluster : compileCluster(checked, assignment, hosts, previous?.clusters.get(name));
    cache.compiled.set(resource, { assignment, cluster });
    clusters.set(name, cluster);
    for (const endpoint of cluster.endpoints) inUse.add(endpoint.host);
  }
  hosts.retain(inUse);
  return { listenerName, routeTable, clusters, hosts, cache };
}

/** The inbound side: every request goes to the local app, through the same layers as outbound. */
export function compileInboundConfig(appPort: number, appHost = '127.0.0.1'): ProxyConfig {
  const cluster = `inbound|${appPort}`;
  const listener: Listener__Output = {
    name: 'inbound',
    filter_chains: [
      {
        filters: [
          {
            name: HCM_FILTER_NAME,
            typed_config: {
              '@type': TYPE_URL.httpConnectionManager,
              http_filters: [{ name: ROUTER_FILTER_NAME }],
              route_specifier: 'route_config',
              route_config: {
                name: 'inbound',
                virtual_hosts: [
                  {
                    name: 'inbound',
                    domains: ['*'],
                    routes: [
                      { name: 'default', match: { prefix: '/', path_specifier: 'prefix' }, action: 'route', route: { cluster, cluster_specifier: 'cluster' } },
                    ],
                  },
                ],
              },
            },
          },
        ],
      },
    ],
  } as never;
  const local: ClusterResource = {
    name: cluster,
    type: 'STATIC',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: { cluster_name: cluster, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: appHost, port_value: appPort } } } }] }] },
  };
  return compileProxyConfig(
    { listeners: new Map([['inbound', listener]]), routes: new Map(), clusters: new Map([[cluster, local as never]]), endpoints: new Map() },
    'inbound',
  );
}
