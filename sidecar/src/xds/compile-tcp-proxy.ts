// Checks a TCP Listener: one filter chain holding only envoy.filters.network.tcp_proxy, which names
// one cluster. Yields what the sidecar's raw TCP listener needs: the port to bind on its outbound
// host, the cluster, the idle timeout and how many endpoints a connection may try.
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { TcpProxy__Output } from '../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy.js';
import { TCP_PROXY_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { UNSUPPORTED_FILTER_CHAIN, UNSUPPORTED_LISTENER } from './compile-listener.js';
import { durationMs } from './duration.js';

// A TCP listener forwards bytes as they come: it does not terminate TLS.
const UNSUPPORTED_TCP_FILTER_CHAIN: UnsupportedFields = [
  ...UNSUPPORTED_FILTER_CHAIN,
  ['transport_socket', 'TLS (transport_socket)'],
];

/** A TCP listener as the sidecar runs it. */
export interface TcpProxyListener {
  name: string;
  /** address.socket_address.port_value: bound on the sidecar's outbound host. */
  port: number;
  statPrefix: string;
  cluster: string;
  /** No bytes either way for this long closes the connection; 0: never. */
  idleTimeoutMs: number;
  /** Endpoints tried before the connection is given up (each within the cluster's connect_timeout). */
  maxConnectAttempts: number;
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

/** Whether the listener's first filter is tcp_proxy: a TCP listener, not an HTTP one. */
export function isTcpProxyListener(listener: Listener__Output): boolean {
  return listener.filter_chains?.[0]?.filters?.[0]?.name === TCP_PROXY_FILTER_NAME;
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
  const chains = listener.filter_chains ?? [];
  if (chains.length !== 1)
    throw configError(resource, 'filter_chains', `expected one filter chain, got ${chains.length}`);
  const chain = chains[0] as NonNullable<Listener__Output['filter_chains']>[number];
  rejectUnsupported(resource, 'filter_chains[0]', chain, UNSUPPORTED_TCP_FILTER_CHAIN);
  const filters = chain.filters ?? [];
  if (filters.length !== 1)
    throw configError(
      resource,
      'filter_chains[0].filters',
      `expected ${TCP_PROXY_FILTER_NAME} only, got ${filters.length} filters`,
    );
  const path = 'filter_chains[0].filters[0].typed_config';
  const config = filters[0]?.typed_config as (TcpProxy__Output & { '@type'?: string }) | undefined;
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
  return { name, port, statPrefix, cluster, idleTimeoutMs, maxConnectAttempts };
}
