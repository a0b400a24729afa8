// What a sidecar's listeners serve with, as the config last accepted says: the outbound config
// (every listener and cluster the control plane sent), the inbound listener's routes to the app
// with its RBAC filters and TCP authorization, the limits and mutual TLS mode of each listener.
// Until the control plane sends this service's inbound listener, every inbound request goes to the app.
import type { ListenerLimits } from '../../shared/listener-limits.js';
import type { Cluster, ClusterContext } from './cluster/cluster.js';
import { NO_FILTERS, type HttpFilterChain } from './filters/http-filter-chain.js';
import { authorizationOf, inboundTcpRoute } from './inbound-authorization.js';
import type { RoutingConfig } from './router/router.js';
import type { TcpRoute } from './tcp-proxy/tcp-connection.js';
import {
  compileInboundConfig,
  compileProxyConfig,
  listenerLimits,
  listenerMutualTls,
  type ProxyConfig,
} from './xds/compile.js';
import type { AppProtocol } from './xds/app-protocol.js';
import type { InboundPortsMutualTls } from './xds/compile-inbound-tls.js';
import type { TcpProxyListener } from './xds/compile-tcp-proxy.js';
import type { XdsResourceSet } from './xds/resource-set.js';
import { OUTBOUND_LISTENER } from '../../shared/sidecar-listener-names.js';
import { INBOUND_APP_CLUSTER } from './xds/subscriptions.js';

export class SidecarRouting {
  /** Undefined until the first config is accepted. */
  outbound: ProxyConfig | undefined;
  /** The app as the inbound listener's only cluster, before any config too. */
  readonly localInbound: ProxyConfig;
  readonly appCluster: Cluster;
  inbound: RoutingConfig;
  /** The inbound listener's RBAC filters, for the app's other ports in intercept mode. */
  inboundAuthorization: HttpFilterChain = NO_FILTERS;
  /** A TCP app's inbound connections: authorized once its listener brings network RBAC. */
  inboundTcp: TcpRoute;
  outboundLimits: ListenerLimits = listenerLimits(undefined, OUTBOUND_LISTENER);
  inboundLimits: ListenerLimits = this.outboundLimits;
  /** The inbound listener's mutual TLS mode, per destination port. */
  inboundMutualTls: InboundPortsMutualTls | undefined;
  /** Whether the control plane sent this service's inbound listener: until then TCP callers are taken as they come. */
  hasInboundListener = false;
  readonly #inboundClusters: ReadonlyMap<string, Cluster>;

  constructor(
    appPort: number,
    appProtocol: AppProtocol,
    /** The name of this service's inbound listener in the control plane's config. */
    readonly inboundName: string,
    readonly context: { clusters: ClusterContext; upstreamTls?: Parameters<typeof compileProxyConfig>[3] },
  ) {
    this.localInbound = compileInboundConfig(appPort, appProtocol);
    this.appCluster = [...this.localInbound.clusters.values()][0] as Cluster;
    this.#inboundClusters = new Map([[INBOUND_APP_CLUSTER, this.appCluster]]);
    this.inbound = this.localInbound;
    this.inboundTcp = inboundTcpRoute(this.appCluster, []);
  }

  /** Compiles an accepted resource set (throws to reject it, changing nothing) and puts it in force. */
  apply(resources: XdsResourceSet): ProxyConfig {
    const { inboundName } = this;
    const outbound = compileProxyConfig(resources, this.outbound, this.context.clusters, this.context.upstreamTls);
    this.outbound = outbound;
    this.inboundMutualTls = listenerMutualTls(outbound, inboundName);
    this.hasInboundListener = resources.listeners.has(inboundName);
    const inboundRoutes = outbound.listeners.get(inboundName);
    this.inbound =
      inboundRoutes === undefined
        ? this.localInbound
        : { listeners: new Map([['inbound', inboundRoutes]]), clusters: this.#inboundClusters };
    this.inboundAuthorization = authorizationOf(inboundRoutes?.filters);
    this.inboundTcp = inboundTcpRoute(this.appCluster, outbound.tcpListeners.get(inboundName)?.rbac ?? []);
    this.outboundLimits = listenerLimits(outbound, OUTBOUND_LISTENER);
    this.inboundLimits = listenerLimits(outbound, inboundName);
    return outbound;
  }

  /** The TCP listeners bound on the outbound host: all but the inbound listener of a TCP app. */
  outboundTcpListeners(): ReadonlyMap<string, TcpProxyListener> {
    const listeners = this.outbound?.tcpListeners ?? new Map<string, TcpProxyListener>();
    if (!listeners.has(this.inboundName)) return listeners;
    const outbound = new Map(listeners);
    outbound.delete(this.inboundName);
    return outbound;
  }
}
