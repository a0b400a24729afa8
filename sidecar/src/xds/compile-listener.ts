// Checks a Listener: one filter chain holding an HttpConnectionManager (after an optional
// connection_limit filter, its max_connections the listener's connection limit), which routes by RDS
// over ADS or inline (compile-http-connection-manager.ts); TLS to terminate when the chain has a
// transport socket (a gateway's HTTPS server), mutual TLS on a sidecar's inbound listener
// (compile-inbound-tls.ts). Yields what the router and listener need from it,
// and the cluster of its default chain (intercept mode).
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { ConnectionLimit__Output } from '../../../proto/gen/envoy/extensions/filters/network/connection_limit/v3/ConnectionLimit.js';
import type { HttpConnectionManager__Output } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import { CONNECTION_LIMIT_FILTER_NAME, HCM_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import { DEFAULT_LISTENER_LIMITS } from '../../../shared/listener-limits.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { compileHttpConnectionManager, type CompiledHttpConnectionManager } from './compile-http-connection-manager.js';
import { compileDownstreamTls, type ServerTls } from './compile-tls.js';
import { compileDefaultChain } from './compile-default-chain.js';
import { inboundChain, type InboundPortsMutualTls } from './compile-inbound-tls.js';

/** What a listener says about routing its HTTP requests, and how it takes its connections. */
export interface CompiledListener extends CompiledHttpConnectionManager {
  /** The key and certificate to terminate TLS with (a gateway's HTTPS server); undefined for plain HTTP. */
  tls: ServerTls | undefined;
  /** A sidecar's inbound listener: mutual TLS with the workload's certificate, by port; undefined: plaintext. */
  mutualTls: InboundPortsMutualTls | undefined;
  /** The cluster of the default chain, for intercepted connections no service owns; undefined: they pass through. */
  defaultCluster: string | undefined;
}

export const UNSUPPORTED_LISTENER: UnsupportedFields = [['default_filter_chain', 'a default filter chain']];
export const UNSUPPORTED_FILTER_CHAIN: UnsupportedFields = [['filter_chain_match', 'filter chain matching']];
const UNSUPPORTED_CONNECTION_LIMIT: UnsupportedFields = [
  ['delay', 'delay (an extra connection is closed at once)'],
  ['runtime_enabled', 'runtime_enabled'],
];

export function compileListener(listener: Listener__Output): CompiledListener {
  const resource: ResourceRef = `Listener "${listener.name ?? ''}"`;
  const defaultCluster =
    listener.default_filter_chain == null ? undefined : compileDefaultChain(resource, listener.default_filter_chain);
  const { chain, mutualTls } = inboundChain(resource, listener.filter_chains ?? []);
  rejectUnsupported(resource, 'filter_chains[0]', chain, UNSUPPORTED_FILTER_CHAIN);
  const filters = chain.filters ?? [];
  // An optional connection_limit filter, then the HttpConnectionManager, last.
  const hcmIndex = filters.length - 1;
  filters.forEach((filter, index) => {
    const at = `filter_chains[0].filters[${index}]`;
    if (index === hcmIndex) {
      if (filter.name !== HCM_FILTER_NAME) throw configError(resource, at, `expected ${HCM_FILTER_NAME} last`);
      return;
    }
    if (filter.name === HCM_FILTER_NAME) throw configError(resource, at, `${HCM_FILTER_NAME} must be the last filter`);
    if (index > 0 || filter.name !== CONNECTION_LIMIT_FILTER_NAME)
      throw configError(
        resource,
        at,
        `network filter "${filter.name ?? ''}" is not supported by this sidecar (${CONNECTION_LIMIT_FILTER_NAME}, then ${HCM_FILTER_NAME})`,
      );
  });
  const path = `filter_chains[0].filters[${hcmIndex}].typed_config`;
  const typedConfig = filters[hcmIndex]?.typed_config as
    (HttpConnectionManager__Output & { '@type'?: string }) | undefined;
  if (typedConfig === undefined) throw configError(resource, 'filter_chains[0].filters', `expected ${HCM_FILTER_NAME}`);
  if (typedConfig['@type'] !== TYPE_URL.httpConnectionManager) {
    throw configError(
      resource,
      path,
      `expected ${TYPE_URL.httpConnectionManager}, got ${typedConfig['@type'] ?? 'none'}`,
    );
  }
  const maxConnections =
    hcmIndex === 1
      ? compileConnectionLimit(resource, 'filter_chains[0].filters[0].typed_config', filters[0]?.typed_config)
      : DEFAULT_LISTENER_LIMITS.maxConnections;
  const tls = chain.transport_socket
    ? compileDownstreamTls(resource, 'filter_chains[0].transport_socket', chain.transport_socket)
    : undefined;
  const compiled = compileHttpConnectionManager(resource, path, typedConfig);
  return { ...compiled, limits: { ...compiled.limits, maxConnections }, tls, mutualTls, defaultCluster };
}

/** The connection_limit filter's max_connections; its delay and runtime switch are not supported. */
function compileConnectionLimit(resource: ResourceRef, path: string, typed: unknown): number {
  const config = typed as (ConnectionLimit__Output & { '@type'?: string }) | undefined;
  if (config?.['@type'] !== TYPE_URL.connectionLimit)
    throw configError(resource, path, `expected ${TYPE_URL.connectionLimit}, got ${config?.['@type'] ?? 'none'}`);
  rejectUnsupported(resource, path, config, UNSUPPORTED_CONNECTION_LIMIT);
  const max = Number(config.max_connections?.value ?? 0);
  if (!(max >= 1)) throw configError(resource, `${path}.max_connections`, 'must be at least 1');
  return max;
}
