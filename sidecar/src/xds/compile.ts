// Compiles the accepted xDS resources into the config the proxy listeners serve: each listener's
// route table (or, for a tcp_proxy listener, its TCP forwarding) and every cluster. Runs once per config version, never per request. A piece whose
// resources are the same objects as last time (the ADS client replaces only the type that
// changed) is reused, so an EDS update rebuilds only the clusters whose endpoints changed, and
// endpoints that survive keep their pools, counters and round-robin position.
import type { Cluster__Output } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import { DEFAULT_LISTENER_LIMITS, type ListenerLimits } from '../../../shared/listener-limits.js';
import { Cluster, DEFAULT_POLICY, type ClusterContext } from '../cluster/cluster.js';
import { ClusterEndpoint } from '../cluster/cluster-endpoint.js';
import { NO_FILTERS } from '../filters/http-filter-chain.js';
import { forwardTo } from '../router/route-action.js';
import type { HttpRoutes, RouteTable } from '../router/router.js';
import { VirtualHostTable } from '../router/virtual-host-table.js';
import { HostRegistry } from '../upstream/host-registry.js';
import type { UpstreamHost } from '../upstream/upstream-host.js';
import { checkCluster, type CheckedCluster } from './compile-clusters.js';
import { compileEndpoints } from './compile-endpoints.js';
import type { InboundPortsMutualTls } from './compile-inbound-tls.js';
import { compileListener, type CompiledListener } from './compile-listener.js';
import type { ServerTls } from './compile-tls.js';
import { compileRouteConfiguration, type CompiledRoutes } from './compile-routes.js';
import { compileTcpProxyListener, isTcpProxyListener, type TcpProxyListener } from './compile-tcp-proxy.js';
import { sourceOf, type Source } from './held-resources.js';
import type { XdsResourceSet } from './resource-set.js';
import type { AppProtocol } from './app-protocol.js';

// The app is on this host: a connection is made or refused at once, never slowly.
const APP_CONNECT_TIMEOUT_MS = 1000;
// Before the control plane's inbound listener arrives, the app may take WebSocket upgrades.
const WEBSOCKET: ReadonlySet<string> = new Set(['websocket']);

export interface ProxyConfig {
  /** By listener name: what the proxy listener of that name routes with. */
  listeners: ReadonlyMap<string, HttpRoutes>;
  /** By listener name: the TCP listeners (tcp_proxy) the sidecar binds on its outbound host. */
  tcpListeners: ReadonlyMap<string, TcpProxyListener>;
  /** By cluster name, with their endpoints and counters (the admin /clusters). */
  clusters: ReadonlyMap<string, Cluster>;
  /** The upstream hosts of every version compiled from this one on; closeAll() at shutdown. */
  hosts: HostRegistry;
  /** What each piece was compiled from, for the next version to reuse. */
  compiledFrom: CompiledFrom;
}

/** Each piece with its source (held-resources.ts): what it was compiled from, compared by identity. */
interface CompiledCluster {
  source: Source;
  /** Its EDS resource's name; undefined for a cluster with its own load_assignment (part of `source`). */
  edsName: string | undefined;
  assignment: Source | undefined;
  cluster: Cluster;
}

interface CompiledFrom {
  listeners: ReadonlyMap<string, { source: Source; compiled: CompiledListener | TcpProxyListener }>;
  routes: ReadonlyMap<string, { source: Source; compiled: CompiledRoutes }>;
  /** `assignment`: the source (held-resources.ts) of the EDS endpoints it was built with; undefined when static. */
  clusters: ReadonlyMap<string, CompiledCluster>;
}

/**
 * `previous` is the version in force. Throws XdsConfigError (the NACK) for anything this sidecar
 * would not honour; `previous` stays intact and in force then.
 */
export function compileProxyConfig(
  resources: XdsResourceSet,
  previous?: ProxyConfig,
  context: ClusterContext = { localZone: undefined },
  /** This workload's certificate for mutual TLS to peers (fixed by the first version); none without a token. */
  mutualTls?: HostRegistry['mutualTls'],
): ProxyConfig {
  const hosts = previous?.hosts ?? new HostRegistry(mutualTls);
  const compiledFrom = {
    listeners: new Map<string, { source: Source; compiled: CompiledListener | TcpProxyListener }>(),
    routes: new Map<string, { source: Source; compiled: CompiledRoutes }>(),
    clusters: new Map<string, CompiledCluster>(),
  } satisfies CompiledFrom;

  const listeners = new Map<string, HttpRoutes>();
  const tcpListeners = new Map<string, TcpProxyListener>();
  for (const name of resources.listeners.keys()) {
    const source = sourceOf(resources.listeners, name) as Source;
    const hit = previous?.compiledFrom.listeners.get(name);
    const compiled = hit?.source === source ? hit.compiled : compileAnyListener(resources.listeners.get(name)!);
    compiledFrom.listeners.set(name, { source, compiled });
    if (!('routeConfigName' in compiled)) {
      tcpListeners.set(name, compiled);
      continue;
    }
    const routeSource = compiled.inlineRoutes ?? sourceOf(resources.routes, compiled.routeConfigName);
    let routes: CompiledRoutes | undefined;
    if (routeSource !== undefined) {
      const routesHit =
        compiledFrom.routes.get(compiled.routeConfigName) ??
        previous?.compiledFrom.routes.get(compiled.routeConfigName);
      routes =
        routesHit?.source === routeSource
          ? routesHit.compiled
          : compileRouteConfiguration(compiled.inlineRoutes ?? resources.routes.get(compiled.routeConfigName)!);
      compiledFrom.routes.set(compiled.routeConfigName, { source: routeSource, compiled: routes });
    }
    listeners.set(name, {
      listenerName: name,
      routeConfigName: compiled.routeConfigName,
      routeTable: routes?.table,
      stripAnyHostPort: compiled.stripAnyHostPort || routes?.ignorePortInHostMatching === true,
      filters: compiled.filters,
      traceSampling: compiled.traceSampling,
      accessLog: compiled.accessLog,
      upgradeTypes: compiled.upgradeTypes,
      streamIdleTimeoutMs: compiled.streamIdleTimeoutMs,
    });
  }

  // Clusters in two passes: check and bind endpoints for every changed cluster first (anything may
  // still be NACKed), then build them, each taking over its previous version's counters, endpoint
  // health and running health checks — only once nothing can reject this version any more.
  const clusters = new Map<string, Cluster>();
  const inUse = new Set<UpstreamHost>();
  const changed: Array<{
    name: string;
    compiledFrom: Omit<CompiledCluster, 'cluster'>;
    checked: CheckedCluster;
    endpoints: ClusterEndpoint[];
  }> = [];
  for (const name of resources.clusters.keys()) {
    const source = sourceOf(resources.clusters, name) as Source;
    const hit = previous?.compiledFrom.clusters.get(name);
    if (
      hit?.source === source &&
      hit.assignment === assignmentOf(hit.edsName, resources) &&
      hit.cluster.endpoints.every(isOpen, hosts)
    ) {
      compiledFrom.clusters.set(name, hit);
      clusters.set(name, hit.cluster);
      for (const endpoint of hit.cluster.endpoints) inUse.add(endpoint.host);
      continue;
    }
    const resource = resources.clusters.get(name) as Cluster__Output;
    const checked = checkCluster(resource);
    const { edsName } = checked;
    const endpoints = compileEndpoints(
      checked,
      edsName === undefined ? resource.load_assignment : resources.endpoints.get(edsName),
      hosts,
    );
    changed.push({
      name,
      compiledFrom: { source, edsName, assignment: assignmentOf(edsName, resources) },
      checked,
      endpoints,
    });
    for (const endpoint of endpoints) inUse.add(endpoint.host);
  }
  for (const { name, compiledFrom: from, checked, endpoints } of changed) {
    const cluster = new Cluster(name, endpoints, checked.policy, context, previous?.clusters.get(name));
    compiledFrom.clusters.set(name, { ...from, cluster });
    clusters.set(name, cluster);
  }
  // Replaced and removed clusters stop their timers (a successor keeps what it took over).
  for (const [name, cluster] of previous?.clusters ?? []) {
    if (clusters.get(name) !== cluster) cluster.close();
  }
  // Only now, with the whole version accepted: close the pools of endpoints that disappeared.
  hosts.retain(inUse);
  return { listeners, tcpListeners, clusters, hosts, compiledFrom };
}

/** The TLS a listener terminates (a gateway's HTTPS server); undefined for a plain HTTP or a TCP listener. */
export function listenerTls(config: ProxyConfig, name: string): ServerTls | undefined {
  const compiled = config.compiledFrom.listeners.get(name)?.compiled;
  return compiled !== undefined && 'tls' in compiled ? compiled.tls : undefined;
}

/** The mutual TLS of a sidecar's inbound listener; undefined when it takes plaintext only (or is not there). */
export function listenerMutualTls(config: ProxyConfig | undefined, name: string): InboundPortsMutualTls | undefined {
  const compiled = config?.compiledFrom.listeners.get(name)?.compiled;
  return compiled !== undefined && 'mutualTls' in compiled ? compiled.mutualTls : undefined;
}

/** The cluster of a listener's default chain (intercepted connections no service owns); undefined when it has none. */
export function listenerDefaultCluster(config: ProxyConfig, name: string): string | undefined {
  const compiled = config.compiledFrom.listeners.get(name)?.compiled;
  return compiled !== undefined && 'defaultCluster' in compiled ? compiled.defaultCluster : undefined;
}

/** What the listener `name` takes from its clients; the defaults until its config arrives. */
export function listenerLimits(config: ProxyConfig | undefined, name: string): ListenerLimits {
  const compiled = config?.compiledFrom.listeners.get(name)?.compiled;
  return compiled !== undefined && 'limits' in compiled ? compiled.limits : DEFAULT_LISTENER_LIMITS;
}

function compileAnyListener(resource: Listener__Output): CompiledListener | TcpProxyListener {
  return isTcpProxyListener(resource) ? compileTcpProxyListener(resource) : compileListener(resource);
}

/** Guards reuse against a `previous` that is not the version in force (its pools may be closed). */
function isOpen(this: HostRegistry, endpoint: ClusterEndpoint): boolean {
  return this.has(endpoint.host);
}

/** The source of the endpoints a cluster reads now (compared, never decoded: most clusters are unchanged). */
function assignmentOf(edsName: string | undefined, resources: XdsResourceSet): Source | undefined {
  return edsName === undefined ? undefined : sourceOf(resources.endpoints, edsName);
}

/**
 * The inbound listener's config: every request to the local app, through the same layers as
 * outbound; HTTP/2 to an app that says it speaks it (http2, grpc); to an `http` app, the protocol
 * the request came in with (h2 in, h2c to the app), as Istio does for a port whose protocol it detects.
 */
export function compileInboundConfig(
  appPort: number,
  appProtocol: AppProtocol = 'http',
  appHost = '127.0.0.1',
): ProxyConfig {
  const clusterName = `inbound|${appPort}`;
  const hosts = new HostRegistry();
  const app = new ClusterEndpoint(hosts.get(appHost, appPort, APP_CONNECT_TIMEOUT_MS), 'app', 'HEALTHY');
  const cluster = new Cluster(clusterName, [app], {
    ...DEFAULT_POLICY,
    protocol: appProtocol === 'http2' || appProtocol === 'grpc' ? 'http2' : 'downstream',
  });
  const routeTable: RouteTable = {
    name: 'inbound',
    virtualHosts: new VirtualHostTable([
      [
        { kind: 'any' },
        {
          name: 'inbound',
          routes: [
            {
              name: 'default',
              match: { path: { kind: 'prefix', value: '/' }, headers: [], query: [] },
              action: forwardTo(clusterName),
            },
          ],
        },
      ],
    ]),
  };
  return {
    listeners: new Map([
      [
        'inbound',
        {
          listenerName: 'inbound',
          routeConfigName: 'inbound',
          routeTable,
          stripAnyHostPort: true,
          filters: NO_FILTERS,
          traceSampling: 0,
          accessLog: undefined,
          upgradeTypes: WEBSOCKET,
          streamIdleTimeoutMs: 0,
        },
      ],
    ]),
    tcpListeners: new Map(),
    clusters: new Map([[clusterName, cluster]]),
    hosts,
    compiledFrom: { listeners: new Map(), routes: new Map(), clusters: new Map() },
  };
}
