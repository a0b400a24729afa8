// Intercept mode's outbound listener (15001): every connection iptables redirected from the app.
// Its original destination decides: a TCP service's (virtual IP or instance) → that TCP
// listener's route; an HTTP service's → the outbound HTTP listener, which routes by Host and
// falls back to that service; no service's → passed through unchanged (ALLOW_ANY), or refused when
// the outbound listener's default chain names a cluster (REGISTRY_ONLY's BlackHoleCluster). A
// connection made to the port directly, not redirected, is HTTP as in classic mode.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Listener } from '../listeners/listener.js';
import type { ProxyListener } from '../listeners/proxy-listener.js';
import type { RoutingConfig } from '../router/router.js';
import { TcpConnection, type TcpTelemetry } from '../tcp-proxy/tcp-connection.js';
import { hostKey } from '../upstream/upstream-host.js';
import { listenerDefaultCluster, type ProxyConfig } from '../xds/compile.js';
import type { TcpProxyListener } from '../xds/compile-tcp-proxy.js';
import { OUTBOUND_LISTENER } from '../../../shared/sidecar-listener-names.js';
import { destinationTable } from './destination-table.js';
import { withFallback } from './fallback-routes.js';
import { createInterceptServer, destinationOf, keepDestination } from './intercepted-socket.js';
import type { OriginalDestinationReader } from './original-destination.js';
import { passThrough } from './passthrough.js';

export interface OutboundInterceptOptions {
  readDestination: OriginalDestinationReader;
  /** The config version in force, read per connection. */
  getConfig(): ProxyConfig | undefined;
  /** The outbound HTTP listener: takes HTTP connections, unbound itself. */
  http: ProxyListener;
  /** Where a TCP listener's connections are counted. */
  tcpTelemetry(listener: TcpProxyListener): TcpTelemetry | undefined;
  logger: Logger;
}

/** The outbound HTTP listener's config for one request: with its connection's service as fallback. */
export function interceptedOutboundConfig(
  config: ProxyConfig | undefined,
  socket: Socket | null,
): RoutingConfig | undefined {
  const destination = destinationOf(socket);
  if (config === undefined || destination === undefined) return config;
  const target = destinationTable(config, config.listeners.get(OUTBOUND_LISTENER)).find(destination);
  return target.kind === 'http' ? withFallback(config, OUTBOUND_LISTENER, target.virtualHost) : config;
}

export function createOutboundIntercept(options: OutboundInterceptOptions): Listener {
  const { logger } = options;
  const open = new Set<Socket>();
  const track = (socket: Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  function accept(socket: Socket): void {
    const destination = options.readDestination(socket);
    if (destination === undefined) {
      socket.resume();
      options.http.handOver(socket);
      return;
    }
    const config = options.getConfig();
    if (config === undefined) {
      logger.warn(
        { destination: hostKey(destination.address, destination.port) },
        'outbound connection refused: no configuration from the control plane yet',
      );
      socket.destroy();
      return;
    }
    const target = destinationTable(config, config.listeners.get(OUTBOUND_LISTENER)).find(destination);
    if (target.kind === 'http') {
      keepDestination(socket, destination);
      socket.resume();
      options.http.handOver(socket);
      return;
    }
    if (target.kind === 'tcp') {
      const { listener } = target;
      track(socket);
      const route = {
        cluster: config.clusters.get(listener.cluster),
        clusterName: listener.cluster,
        idleTimeoutMs: listener.idleTimeoutMs,
        maxConnectAttempts: listener.maxConnectAttempts,
      };
      new TcpConnection(socket, route, options.tcpTelemetry(listener)).start();
      return;
    }
    const policyCluster = listenerDefaultCluster(config, OUTBOUND_LISTENER);
    if (policyCluster === undefined) {
      track(socket);
      passThrough(socket, destination);
      return;
    }
    logger.warn(
      { destination: hostKey(destination.address, destination.port), cluster: policyCluster },
      'outbound connection refused: no service of the mesh has this address, and the mesh allows only its own (MeshConfig outboundTrafficPolicy REGISTRY_ONLY)',
    );
    socket.destroy();
  }

  return createInterceptServer('outbound', accept, options.http, open, logger);
}
