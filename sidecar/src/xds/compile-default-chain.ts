// Checks a listener's default filter chain: what takes an intercepted connection that no service
// owns. The one form the sidecar honours is Istio's: a tcp_proxy naming one cluster
// (BlackHoleCluster under REGISTRY_ONLY). Without a default chain such connections pass through.
import type { FilterChain__Output } from '../../../proto/gen/envoy/config/listener/v3/FilterChain.js';
import type { TcpProxy__Output } from '../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy.js';
import { TCP_PROXY_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';

const UNSUPPORTED_DEFAULT_CHAIN: UnsupportedFields = [
  ['filter_chain_match', 'filter chain matching'],
  ['transport_socket', 'TLS (transport_socket)'],
];

/** The cluster the default chain's tcp_proxy names. */
export function compileDefaultChain(resource: ResourceRef, chain: FilterChain__Output): string {
  const path = 'default_filter_chain';
  rejectUnsupported(resource, path, chain, UNSUPPORTED_DEFAULT_CHAIN);
  const filters = chain.filters ?? [];
  const config = filters[0]?.typed_config as (TcpProxy__Output & { '@type'?: string }) | undefined;
  if (filters.length !== 1 || filters[0]?.name !== TCP_PROXY_FILTER_NAME || config?.['@type'] !== TYPE_URL.tcpProxy)
    throw configError(resource, `${path}.filters`, `expected ${TCP_PROXY_FILTER_NAME} only (${TYPE_URL.tcpProxy})`);
  const cluster = config.cluster ?? '';
  if (cluster === '') throw configError(resource, `${path}.filters[0].typed_config.cluster`, 'is required');
  return cluster;
}
