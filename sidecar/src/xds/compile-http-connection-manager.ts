// Checks an HttpConnectionManager and yields what the router and listener need from it: routes by
// RDS over ADS or inline, its HTTP filters (compile-http-filters.ts), the upgrades it enables, trace
// sampling, access log, and the limits it sets on each request's headers.
import type { RouteConfiguration__Output } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';
import type { HttpConnectionManager__Output } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import type { HttpRoutes } from '../router/router.js';
import {
  DEFAULT_LISTENER_LIMITS,
  MAX_REQUEST_HEADERS_LIMIT,
  type ListenerLimits,
} from '../../../shared/listener-limits.js';
import { compileAccessLog } from './compile-access-log.js';
import { isAdsSource } from './compile-config-source.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { compileHttpFilters } from './compile-http-filters.js';
import { durationMs } from './duration.js';

/**
 * What an HttpConnectionManager says about routing its HTTP requests: the router's view of it
 * (HttpRoutes, filters in their configured order, trace sampling 0 without `tracing`), where its
 * routes come from, and the limits the listener sets on its clients.
 */
export interface CompiledHttpConnectionManager extends Pick<
  HttpRoutes,
  | 'routeConfigName'
  | 'stripAnyHostPort'
  | 'filters'
  | 'traceSampling'
  | 'accessLog'
  | 'upgradeTypes'
  | 'streamIdleTimeoutMs'
> {
  /** The RouteConfiguration carried in the listener itself; undefined when it comes over RDS. */
  inlineRoutes: RouteConfiguration__Output | undefined;
  /** What the listener takes from its clients: connection_limit, request_headers_timeout, max_headers_count. */
  limits: ListenerLimits;
}

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

/** request_headers_timeout (absent or 0: the sidecar's default) and max_headers_count (absent: Envoy's 100). */
function compileRequestLimits(
  resource: ResourceRef,
  path: string,
  hcm: HttpConnectionManager__Output,
): Omit<ListenerLimits, 'maxConnections'> {
  const timeoutMs = hcm.request_headers_timeout === undefined ? 0 : durationMs(hcm.request_headers_timeout);
  if (timeoutMs < 0) throw configError(resource, `${path}.request_headers_timeout`, 'must not be negative');
  const count = hcm.common_http_protocol_options?.max_headers_count?.value;
  const maxRequestHeaders = count === undefined ? DEFAULT_LISTENER_LIMITS.maxRequestHeaders : Number(count);
  if (!(maxRequestHeaders >= 1 && maxRequestHeaders <= MAX_REQUEST_HEADERS_LIMIT))
    throw configError(
      resource,
      `${path}.common_http_protocol_options.max_headers_count`,
      `must be from 1 to ${MAX_REQUEST_HEADERS_LIMIT}, got ${maxRequestHeaders}`,
    );
  return {
    requestHeadersTimeoutMs: timeoutMs > 0 ? timeoutMs : DEFAULT_LISTENER_LIMITS.requestHeadersTimeoutMs,
    maxRequestHeaders,
  };
}

export function compileHttpConnectionManager(
  resource: ResourceRef,
  path: string,
  hcm: HttpConnectionManager__Output,
): CompiledHttpConnectionManager {
  rejectUnsupported(resource, path, hcm, UNSUPPORTED_HCM);
  if (hcm.codec_type !== undefined && !SUPPORTED_CODECS.has(hcm.codec_type)) {
    throw configError(
      resource,
      `${path}.codec_type`,
      `${hcm.codec_type} is not supported by this sidecar yet (AUTO, HTTP1)`,
    );
  }
  const filters = compileHttpFilters(resource, `${path}.http_filters`, hcm.http_filters ?? []);
  const stripAnyHostPort = hcm.strip_any_host_port === true;
  const upgradeTypes = compileUpgradeConfigs(resource, `${path}.upgrade_configs`, hcm.upgrade_configs ?? []);
  const streamIdleTimeoutMs = hcm.stream_idle_timeout === undefined ? 0 : durationMs(hcm.stream_idle_timeout);
  if (streamIdleTimeoutMs < 0) throw configError(resource, `${path}.stream_idle_timeout`, 'must not be negative');
  const traceSampling = compileTraceSampling(resource, `${path}.tracing`, hcm.tracing);
  const accessLog = compileAccessLog(resource, `${path}.access_log`, hcm.access_log ?? []);
  const limits = {
    maxConnections: DEFAULT_LISTENER_LIMITS.maxConnections,
    ...compileRequestLimits(resource, path, hcm),
  };
  const common = { stripAnyHostPort, filters, upgradeTypes, streamIdleTimeoutMs, traceSampling, accessLog, limits };
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
