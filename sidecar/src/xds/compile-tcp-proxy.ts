// Checks a TCP Listener: one filter chain ending in envoy.filters.network.tcp_proxy, which names
// one cluster, after any envoy.filters.network.rbac filters (a TCP service's authorization); an
// inbound one's chains may say mutual TLS as an HTTP inbound listener's do (compile-inbound-tls.ts).
// Yields what the sidecar's raw TCP listener needs: the port to bind on its outbound host, the
// cluster, the idle timeout and how many endpoints a connection may try, the additional addresses
// (a service's virtual IP) whose intercepted connections it takes, and its callers' mutual TLS.
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { TcpProxy__Output } from '../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy.js';
import { TCP_PROXY_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { UNSUPPORTED_FILTER_CHAIN, UNSUPPORTED_LISTENER } from './compile-listener.js';
import { durationMs } from './duration.js';
import { compileNetworkRbac } from './compile-rbac-filter.js';
import { inboundChain, type InboundPortsMutualTls } from './compile-inbound-tls.js';
import type { RbacEngine } from '../filters/rbac.js';
import { formatHostPort } from '../../../shared/host-port.js';

// A TCP listener forwards bytes as they come: it terminates no TLS but mutual TLS between sidecars.
const UNSUPPORTED_TCP_FILTER_CHAIN: UnsupportedFields = [
  ...UNSUPPORTED_FILTER_CHAIN,
  ['transport_socket', 'TLS (transport_socket)'],
];

/** A TCP listener as the sidecar runs it. */
export interface TcpProxyListener {
  name: string;
  /** address.socket_address.port_value: bound on the sidecar's outbound host. */
  port: number;
  /** additional_addresses as host:port (formatHostPort): intercepted connections to them are this listener's. */
  virtualAddresses: string[];
  statPrefix: string;
  cluster: string;
  /** No bytes either way for this long closes the connection; 0: never. */
  idleTimeoutMs: number;
  /** Endpoints tried before the connection is given up (each within the cluster's connect_timeout). */
  maxConnectAttempts: number;
  /** The network RBAC filters before tcp_proxy: a connection one of them does not allow is closed. */
  rbac: RbacEngine[];
  /** Callers in mutual TLS (STRICT, or PERMISSIVE with plaintext too), by port; undefined: plaintext only. */
  mutualTls: InboundPortsMutualTls | undefined;
}

// Envoy's defaults.
const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;
const DEFAULT_MAX_CONNECT_ATTEMPTS = 1;

const UNSUPPORTED_TCP_PROXY: UnsupportedFields = [
  ['weighted_clusters', 'weighted clusters (name one cluster)'],
  ['metadata_match', 'subset selection by metadata_match'],
  ['hash_policy', 'hash policies'],
  ['tunneling_config', 'tunnelling over HTTP'],
  ['on_demand', 'on-demand cluster discovery'],
  ['downstream_idle_timeout', 'per-side idle timeouts (use idle_timeout)'],
  ['upstream_idle_timeout', 'per-side idle timeouts (use idle_timeout)'],
  ['max_downstream_connection_duration', 'a maximum connection duration'],
  ['access_log', 'access logs'],
];

/** Whether the listener's last filter is tcp_proxy: a TCP listener, not an HTTP one. */
export function isTcpProxyListener(listener: Listener__Output): boolean {
  return listener.filter_chains?.[0]?.filters?.at(-1)?.name === TCP_PROXY_FILTER_NAME;
}

export function compileTcpProxyListener(listener: Listener__Output): TcpProxyListener {
  const name = listener.name ?? '';
  const resource: ResourceRef = `Listener "${name}"`;
  rejectUnsupported(resource, '', listener, UNSUPPORTED_LISTENER);
  const port = listener.address?.socket_address?.port_value ?? 0;
  if (!(port >= 1 && port <= 65535))
    throw configError(
      resource,
      'address.socket_address.port_value',
      `a TCP listener needs the port to bind (1-65535), got ${port}`,
    );
  const { chain, mutualTls } = inboundChain(resource, listener.filter_chains ?? []);
  rejectUnsupported(resource, 'filter_chains[0]', chain, UNSUPPORTED_TCP_FILTER_CHAIN);
  const filters = chain.filters ?? [];
  const rbac = filters
    .slice(0, -1)
    .map((filter, index) => compileNetworkRbac(resource, `filter_chains[0].filters[${index}]`, filter));
  const path = `filter_chains[0].filters[${filters.length - 1}].typed_config`;
  const config = filters.at(-1)?.typed_config as (TcpProxy__Output & { '@type'?: string }) | undefined;
  if (config?.['@type'] !== TYPE_URL.tcpProxy)
    throw configError(resource, path, `expected ${TYPE_URL.tcpProxy}, got ${config?.['@type'] ?? 'none'}`);
  rejectUnsupported(resource, path, config, UNSUPPORTED_TCP_PROXY);
  const statPrefix = config.stat_prefix ?? '';
  if (statPrefix === '') throw configError(resource, `${path}.stat_prefix`, 'is required');
  const cluster = config.cluster ?? '';
  if (cluster === '') throw configError(resource, `${path}.cluster`, 'is required: the cluster to forward to');
  const idleTimeoutMs = config.idle_timeout === undefined ? DEFAULT_IDLE_TIMEOUT_MS : durationMs(config.idle_timeout);
  if (!(idleTimeoutMs >= 0)) throw configError(resource, `${path}.idle_timeout`, 'must not be negative');
  const maxConnectAttempts = config.max_connect_attempts?.value ?? DEFAULT_MAX_CONNECT_ATTEMPTS;
  if (maxConnectAttempts < 1)
    throw configError(resource, `${path}.max_connect_attempts`, `must be at least 1, got ${maxConnectAttempts}`);
  const virtualAddresses = (listener.additional_addresses ?? []).map((entry, index) => {
    const socket = entry.address?.socket_address;
    if (socket?.address == null || socket.address === '' || !((socket.port_value ?? 0) > 0))
      throw configError(
        resource,
        `additional_addresses[${index}]`,
        'expected a socket_address with an address and a port',
      );
    return formatHostPort({ host: socket.address, port: socket.port_value ?? 0 });
  });
  return { name, port, virtualAddresses, statPrefix, cluster, idleTimeoutMs, maxConnectAttempts, rbac, mutualTls };
}
