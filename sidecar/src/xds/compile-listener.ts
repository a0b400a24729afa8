// Checks a Listener: one filter chain holding one HttpConnectionManager whose HTTP filters end
// with the router, and routes by RDS over ADS or inline; TLS to terminate when the chain has a
// transport socket (a gateway's HTTPS server). Yields what the router and listener need from it.
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration__Output } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';
import type { HttpConnectionManager__Output } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import { HCM_FILTER_NAME, ROUTER_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import type { LocalRateLimit__Output } from '../../../proto/gen/envoy/extensions/filters/http/local_ratelimit/v3/LocalRateLimit.js';
import type { LocalRateLimiter } from '../filters/local-rate-limit.js';
import { isAdsSource } from './compile-config-source.js';
import { compileLocalRateLimit, LOCAL_RATE_LIMIT_FILTER_NAME } from './compile-rate-limit.js';
import { FAULT_FILTER_NAME } from './compile-route-action.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { compileDownstreamTls, type ServerTls } from './compile-tls.js';

/** What a listener says about routing its HTTP requests. */
export interface CompiledListener {
  routeConfigName: string;
  /** The RouteConfiguration carried in the listener itself; undefined when it comes over RDS. */
  inlineRoutes: RouteConfiguration__Output | undefined;
  stripAnyHostPort: boolean;
  /** The local rate limit filter's own config, for every route without one of its own. */
  rateLimit: LocalRateLimiter | undefined;
  /** The key and certificate to terminate TLS with; undefined for plain HTTP. */
  tls: ServerTls | undefined;
}

const UNSUPPORTED_LISTENER: UnsupportedFields = [['default_filter_chain', 'a default filter chain']];
const UNSUPPORTED_FILTER_CHAIN: UnsupportedFields = [['filter_chain_match', 'filter chain matching']];
const UNSUPPORTED_HCM: UnsupportedFields = [
  ['upgrade_configs', 'protocol upgrades (WebSocket)'],
  ['strip_matching_host_port', 'strip_matching_host_port (use strip_any_host_port)'],
];
const SUPPORTED_CODECS = new Set(['AUTO', 'HTTP1']);

type TypedConfig = { '@type'?: string } | undefined;

export function compileListener(listener: Listener__Output): CompiledListener {
  const resource: ResourceRef = `Listener "${listener.name ?? ''}"`;
  rejectUnsupported(resource, '', listener, UNSUPPORTED_LISTENER);
  const chains = listener.filter_chains ?? [];
  const chain = chains[0];
  if (chains.length !== 1 || chain === undefined) throw configError(resource, 'filter_chains', `expected one filter chain, got ${chains.length}`);
  rejectUnsupported(resource, 'filter_chains[0]', chain, UNSUPPORTED_FILTER_CHAIN);
  const filters = chain.filters ?? [];
  filters.forEach((filter, index) => {
    if (index > 0 || filter.name !== HCM_FILTER_NAME) throw configError(resource, `filter_chains[0].filters[${index}]`, `expected ${HCM_FILTER_NAME}${index > 0 ? ' only' : ''}`);
  });
  const typedConfig = filters[0]?.typed_config as (HttpConnectionManager__Output & { '@type'?: string }) | undefined;
  if (typedConfig === undefined) throw configError(resource, 'filter_chains[0].filters', `expected ${HCM_FILTER_NAME}`);
  const path = 'filter_chains[0].filters[0].typed_config';
  if (typedConfig['@type'] !== TYPE_URL.httpConnectionManager) {
    throw configError(resource, path, `expected ${TYPE_URL.httpConnectionManager}, got ${typedConfig['@type'] ?? 'none'}`);
  }
  const tls = chain.transport_socket ? compileDownstreamTls(resource, 'filter_chains[0].transport_socket', chain.transport_socket) : undefined;
  return { ...compileHttpConnectionManager(resource, path, typedConfig), tls };
}

function compileHttpConnectionManager(resource: ResourceRef, path: string, hcm: HttpConnectionManager__Output): Omit<CompiledListener, 'tls'> {
  rejectUnsupported(resource, path, hcm, UNSUPPORTED_HCM);
  if (hcm.codec_type !== undefined && !SUPPORTED_CODECS.has(hcm.codec_type)) {
    throw configError(resource, `${path}.codec_type`, `${hcm.codec_type} is not supported by this sidecar yet (AUTO, HTTP1)`);
  }
  const rateLimit = checkHttpFilters(resource, `${path}.http_filters`, hcm.http_filters ?? []);
  const stripAnyHostPort = hcm.strip_any_host_port === true;
  switch (hcm.route_specifier) {
    case 'rds': {
      const name = hcm.rds?.route_config_name ?? '';
      if (name === '') throw configError(resource, `${path}.rds.route_config_name`, 'is required');
      if (!isAdsSource(hcm.rds?.config_source)) throw configError(resource, `${path}.rds.config_source`, 'only ads (or self) is supported');
      return { routeConfigName: name, inlineRoutes: undefined, stripAnyHostPort, rateLimit };
    }
    case 'route_config': {
      const inline = hcm.route_config as RouteConfiguration__Output;
      return { routeConfigName: inline.name ?? '', inlineRoutes: inline, stripAnyHostPort, rateLimit };
    }
    default:
      throw configError(resource, path, `route_specifier ${hcm.route_specifier ?? 'none'} is not supported (rds, route_config)`);
  }
}

/**
 * The router must be the last filter; before it, local rate limit and fault (whose per-route
 * configs the routes carry). An optional filter this sidecar does not have is skipped, as in
 * Envoy. Yields the rate limit filter's own config.
 */
function checkHttpFilters(resource: ResourceRef, path: string, filters: NonNullable<HttpConnectionManager__Output['http_filters']>): LocalRateLimiter | undefined {
  let rateLimit: LocalRateLimiter | undefined;
  filters.forEach((filter, index) => {
    const isLast = index === filters.length - 1;
    const typedConfig = filter.typed_config as TypedConfig;
    if (filter.name === ROUTER_FILTER_NAME) {
      const type = typedConfig?.['@type'];
      if (type !== undefined && type !== TYPE_URL.router) throw configError(resource, `${path}[${index}].typed_config`, `expected ${TYPE_URL.router}, got ${type}`);
      if (!isLast) throw configError(resource, `${path}[${index}]`, `${ROUTER_FILTER_NAME} must be the last HTTP filter`);
      return;
    }
    if (filter.name === LOCAL_RATE_LIMIT_FILTER_NAME && typedConfig !== undefined) {
      const config = typedConfig as LocalRateLimit__Output & { '@type'?: string };
      if ((config.descriptors ?? []).length > 0) throw configError(resource, `${path}[${index}].typed_config.descriptors`, 'descriptors need the actions of a route: set them in its typed_per_filter_config');
      if (config.token_bucket !== undefined) rateLimit = compileLocalRateLimit(resource, `${path}[${index}].typed_config`, config, undefined, '');
      return;
    }
    if (filter.name === FAULT_FILTER_NAME) return;
    if (!filter.is_optional) throw configError(resource, `${path}[${index}]`, `HTTP filter "${filter.name ?? ''}" is not supported by this sidecar yet`);
  });
  if (filters.at(-1)?.name !== ROUTER_FILTER_NAME) throw configError(resource, path, `the last HTTP filter must be ${ROUTER_FILTER_NAME}`);
  return rateLimit;
}
