// The app's ports in intercept mode: a connection sent to the pod's port P goes to the app's
// 127.0.0.1:P. --app-port is the port the control plane's inbound routes serve; every other port
// gets a local config of its own (one cluster, the app at that port), compiled on first use, behind
// the service's authorization.
import type { HttpFilterChain } from '../filters/http-filter-chain.js';
import type { HttpRoutes, RoutingConfig } from '../router/router.js';
import type { TcpRoute } from '../tcp-proxy/tcp-connection.js';
import type { Cluster } from '../cluster/cluster.js';
import { compileInboundConfig, type ProxyConfig } from '../xds/compile.js';

// Istio's default idle timeout of TCP connections.
const TCP_IDLE_TIMEOUT_MS = 3_600_000;

export class AppPorts {
  readonly #configs = new Map<number, ProxyConfig>();
  // Built once per authorization (a config version) and port, not per request.
  readonly #authorized = new WeakMap<HttpFilterChain, Map<number, RoutingConfig>>();

  constructor(
    readonly appPort: number,
    /** The --app-port's config; its cluster is the app. */
    private readonly app: ProxyConfig,
  ) {}

  /**
   * What HTTP requests sent to `port` are routed with; `appConfig` for the app port. `authorization`
   * (the service's RBAC filters, from its inbound listener) holds on every other port too.
   */
  routingConfig(port: number | undefined, appConfig: RoutingConfig, authorization: HttpFilterChain): RoutingConfig {
    if (port === undefined || port === this.appPort) return appConfig;
    const config = this.#config(port, 'http');
    if (authorization.filters.length === 0) return config;
    let byPort = this.#authorized.get(authorization);
    if (byPort === undefined) this.#authorized.set(authorization, (byPort = new Map<number, RoutingConfig>()));
    let authorized = byPort.get(port);
    if (authorized === undefined) {
      const routes = config.listeners.get('inbound') as HttpRoutes;
      authorized = { ...config, listeners: new Map([['inbound', { ...routes, filters: authorization }]]) };
      byPort.set(port, authorized);
    }
    return authorized;
  }

  tcpRoute(port: number): TcpRoute {
    const config = port === this.appPort ? this.app : this.#config(port, 'tcp');
    const [clusterName, cluster] = [...config.clusters][0] as [string, Cluster];
    return { cluster, clusterName, idleTimeoutMs: TCP_IDLE_TIMEOUT_MS, maxConnectAttempts: 1 };
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#configs.values()].map((config) => config.hosts.closeAll()));
  }

  #config(port: number, protocol: 'http' | 'tcp'): ProxyConfig {
    let config = this.#configs.get(port);
    if (config === undefined) this.#configs.set(port, (config = compileInboundConfig(port, protocol)));
    return config;
  }
}
