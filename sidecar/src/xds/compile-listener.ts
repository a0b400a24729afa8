// Checks a Listener: one filter chain holding one HttpConnectionManager whose HTTP filters end
// with the router, and routes by RDS over ADS or inline, with the upgrades it allows; TLS to
// terminate when the chain has a transport socket (a gateway's HTTPS server). Yields what the
// router and listener need from it.
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration__Output } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';
import type { HttpConnectionManager__Output } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import { HCM_FILTER_NAME, ROUTER_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import type { LocalRateLimit__Output } from '../../../proto/gen/envoy/extensions/filters/http/local_ratelimit/v3/LocalRateLimit.js';
import type { LocalRateLimiter } from '../filters/local-rate-limit.js';
import type { AccessLogFormat } from '../telemetry/access-log.js';
import { compileAccessLog } from './compile-access-log.js';
import { isAdsSource } from './compile-config-source.js';
import { durationMs } from './duration.js';
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
  /** The share of requests without a sampled parent that start a trace, 0–1 (0 without `tracing`). */
  traceSampling: number;
  /** The access log's format; undefined when requests are not logged. */
  accessLog: AccessLogFormat | undefined;
  /** upgrade_configs: the enabled upgrade types, lowercase. */
  upgradeTypes: ReadonlySet<string>;
  /** stream_idle_timeout, applied to upgraded connections; 0: none. */
  streamIdleTimeoutMs: number;
  /** The key and certificate to terminate TLS with; undefined for plain HTTP. */
  tls: ServerTls | undefined;
}

export const UNSUPPORTED_LISTENER: UnsupportedFields = [['default_filter_chain', 'a default filter chain']];
export const UNSUPPORTED_FILTER_CHAIN: UnsupportedFields = [['filter_chain_match', 'filter chain matching']];
const UNSUPPORTED_HCM: UnsupportedFields = [
  ['strip_matching_host_port', 'strip_matching_host_port (use strip_any_host_port)'],
];
const UNSUPPORTED_TRACING: UnsupportedFields = [
  ['client_sampling', 'client_sampling (a sampled parent is always continued)'],
  ['overall_sampling', 'overall_sampling'],
  ['verbose', 'verbose tracing'],
  ['max_path_tag_length', 'max_path_tag_length'],
  ['custom_tags', 'custom tags'],
  ['provider', 'a tracing provider (spans go to OTEL_EXPORTER_OTLP_ENDPOINT)'],
  ['spawn_upstream_span', 'spawn_upstream_span'],
];
const SUPPORTED_CODECS = new Set(['AUTO', 'HTTP1']);

type TypedConfig = { '@type'?: string } | undefined;

export function compileListener(listener: Listener__Output): CompiledListener {
  const resource: ResourceRef = `Listener "${listener.name ?? ''}"`;
  rejectUnsupported(resource, '', listener, UNSUPPORTED_LISTENER);
  const chains = listener.filter_chains ?? [];
  const chain = chains[0];
  if (chains.length !== 1 || chain === undefined)
    throw configError(resource, 'filter_chains', `expected one filter chain, got ${chains.length}`);
  rejectUnsupported(resource, 'filter_chains[0]', chain, UNSUPPORTED_FILTER_CHAIN);
  const filters = chain.filters ?? [];
  filters.forEach((filter, index) => {
    if (index > 0 || filter.name !== HCM_FILTER_NAME)
      throw configError(
        resource,
        `filter_chains[0].filters[${index}]`,
        `expected ${HCM_FILTER_NAME}${index > 0 ? ' only' : ''}`,
      );
  });
  const typedConfig = filters[0]?.typed_config as (HttpConnectionManager__Output & { '@type'?: string }) | undefined;
  if (typedConfig === undefined) throw configError(resource, 'filter_chains[0].filters', `expected ${HCM_FILTER_NAME}`);
  const path = 'filter_chains[0].filters[0].typed_config';
  if (typedConfig['@type'] !== TYPE_URL.httpConnectionManager) {
    throw configError(
      resource,
      path,
      `expected ${TYPE_URL.httpConnectionManager}, got ${typedConfig['@type'] ?? 'none'}`,
    );
  }
  const tls = chain.transport_socket
    ? compileDownstreamTls(resource, 'filter_chains[0].transport_socket', chain.transport_socket)
    : undefined;
  return { ...compileHttpConnectionManager(resource, path, typedConfig), tls };
}

function compileHttpConnectionManager(
  resource: ResourceRef,
  path: string,
  hcm: HttpConnectionManager__Output,
): Omit<CompiledListener, 'tls'> {
  rejectUnsupported(resource, path, hcm, UNSUPPORTED_HCM);
  if (hcm.codec_type !== undefined && !SUPPORTED_CODECS.has(hcm.codec_type)) {
    throw configError(
      resource,
      `${path}.codec_type`,
      `${hcm.codec_type} is not supported by this sidecar yet (AUTO, HTTP1)`,
    );
  }
  const rateLimit = checkHttpFilters(resource, `${path}.http_filters`, hcm.http_filters ?? []);
  const stripAnyHostPort = hcm.strip_any_host_port === true;
  const upgradeTypes = compileUpgradeConfigs(resource, `${path}.upgrade_configs`, hcm.upgrade_configs ?? []);
  const streamIdleTimeoutMs = hcm.stream_idle_timeout === undefined ? 0 : durationMs(hcm.stream_idle_timeout);
  if (streamIdleTimeoutMs < 0) throw configError(resource, `${path}.stream_idle_timeout`, 'must not be negative');
  const traceSampling = compileTraceSampling(resource, `${path}.tracing`, hcm.tracing);
  const accessLog = compileAccessLog(resource, `${path}.access_log`, hcm.access_log ?? []);
  const common = { stripAnyHostPort, rateLimit, upgradeTypes, streamIdleTimeoutMs, traceSampling, accessLog };
  switch (hcm.route_specifier) {
    case 'rds': {
      const name = hcm.rds?.route_config_name ?? '';
      if (name === '') throw configError(resource, `${path}.rds.route_config_name`, 'is required');
      if (!isAdsSource(hcm.rds?.config_source))
        throw configError(resource, `${path}.rds.config_source`, 'only ads (or self) is supported');
      return { routeConfigName: name, inlineRoutes: undefined, ...common };
    }
    case 'route_config': {
      const inline = hcm.route_config as RouteConfiguration__Output;
      return { routeConfigName: inline.name ?? '', inlineRoutes: inline, ...common };
    }
    default:
      throw configError(
        resource,
        path,
        `route_specifier ${hcm.route_specifier ?? 'none'} is not supported (rds, route_config)`,
      );
  }
}

/** Envoy's random_sampling, as a ratio; without `tracing` nothing is traced, and without a percentage all is. */
function compileTraceSampling(
  resource: ResourceRef,
  path: string,
  tracing: HttpConnectionManager__Output['tracing'],
): number {
  if (tracing == null) return 0;
  rejectUnsupported(resource, path, tracing, UNSUPPORTED_TRACING);
  const percent = Number(tracing.random_sampling?.value ?? 100);
  if (!(percent >= 0 && percent <= 100))
    throw configError(resource, `${path}.random_sampling.value`, `must be a percentage from 0 to 100, got ${percent}`);
  return percent / 100;
}

/**
 * The upgrade types requests may ask for (Upgrade header), tunnelled as raw bytes once the
 * endpoint answers; enabled unless `enabled` is false. CONNECT is no Upgrade header and custom
 * upgrade filter chains are not built by this sidecar.
 */
function compileUpgradeConfigs(
  resource: ResourceRef,
  path: string,
  configs: NonNullable<HttpConnectionManager__Output['upgrade_configs']>,
): ReadonlySet<string> {
  const types = new Set<string>();
  configs.forEach((config, index) => {
    const type = (config.upgrade_type ?? '').toLowerCase();
    if (type === '') throw configError(resource, `${path}[${index}].upgrade_type`, 'is required (e.g. websocket)');
    if (type === 'connect')
      throw configError(resource, `${path}[${index}].upgrade_type`, 'CONNECT is not supported by this sidecar yet');
    if ((config.filters ?? []).length > 0)
      throw configError(
        resource,
        `${path}[${index}].filters`,
        'not supported by this sidecar yet (custom upgrade filter chains)',
      );
    if (types.has(type)) throw configError(resource, `${path}[${index}].upgrade_type`, `"${type}" is listed twice`);
    if (config.enabled?.value !== false) types.add(type);
  });
  return types;
}

/**
 * The router must be the last filter; before it, local rate limit and fault (whose per-route
 * configs the routes carry). An optional filter this sidecar does not have is skipped, as in
 * Envoy. Yields the rate limit filter's own config.
 */
function checkHttpFilters(
  resource: ResourceRef,
  path: string,
  filters: NonNullable<HttpConnectionManager__Output['http_filters']>,
): LocalRateLimiter | undefined {
  let rateLimit: LocalRateLimiter | undefined;
  filters.forEach((filter, index) => {
    const isLast = index === filters.length - 1;
    const typedConfig = filter.typed_config as TypedConfig;
    if (filter.name === ROUTER_FILTER_NAME) {
      const type = typedConfig?.['@type'];
      if (type !== undefined && type !== TYPE_URL.router)
        throw configError(resource, `${path}[${index}].typed_config`, `expected ${TYPE_URL.router}, got ${type}`);
      if (!isLast)
        throw configError(resource, `${path}[${index}]`, `${ROUTER_FILTER_NAME} must be the last HTTP filter`);
      return;
    }
    if (filter.name === LOCAL_RATE_LIMIT_FILTER_NAME && typedConfig !== undefined) {
      const config = typedConfig as LocalRateLimit__Output & { '@type'?: string };
      if ((config.descriptors ?? []).length > 0)
        throw configError(
          resource,
          `${path}[${index}].typed_config.descriptors`,
          'descriptors need the actions of a route: set them in its typed_per_filter_config',
        );
      if (config.token_bucket !== undefined)
        rateLimit = compileLocalRateLimit(resource, `${path}[${index}].typed_config`, config, undefined, '');
      return;
    }
    if (filter.name === FAULT_FILTER_NAME) return;
    if (!filter.is_optional)
      throw configError(
        resource,
        `${path}[${index}]`,
        `HTTP filter "${filter.name ?? ''}" is not supported by this sidecar yet`,
      );
  });
  if (filters.at(-1)?.name !== ROUTER_FILTER_NAME)
    throw configError(resource, path, `the last HTTP filter must be ${ROUTER_FILTER_NAME}`);
  return rateLimit;
}
