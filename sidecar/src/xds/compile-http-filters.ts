// Checks an HttpConnectionManager's http_filters and builds the listener's filter chain: RBAC,
// local rate limit and fault before the router, which must come last; an optional filter this
// sidecar does not have is skipped, as in Envoy.
import type { LocalRateLimit__Output } from '../../../proto/gen/envoy/extensions/filters/http/local_ratelimit/v3/LocalRateLimit.js';
import type { HttpConnectionManager__Output } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import { ROUTER_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import { FaultFilter } from '../filters/fault-filter.js';
import type { HttpFilter } from '../filters/http-filter.js';
import { HttpFilterChain } from '../filters/http-filter-chain.js';
import { LocalRateLimitFilter } from '../filters/local-rate-limit-filter.js';
import { configError, type ResourceRef } from './compile-errors.js';
import { FAULT_FILTER_NAME } from './compile-fault.js';
import { compileLocalRateLimit, LOCAL_RATE_LIMIT_FILTER_NAME } from './compile-rate-limit.js';
import { compileRbacFilter, RBAC_FILTER_NAME } from './compile-rbac-filter.js';

type TypedConfig = { '@type'?: string } | undefined;

/**
 * The router must be the last filter; before it, RBAC, local rate limit and fault (whose per-route
 * configs the routes carry), in the order given. An optional filter this sidecar does not have is
 * skipped, as in Envoy.
 */
export function compileHttpFilters(
  resource: ResourceRef,
  path: string,
  filters: NonNullable<HttpConnectionManager__Output['http_filters']>,
): HttpFilterChain {
  const chain: HttpFilter[] = [];
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
      const listenerLimit =
        config.token_bucket === undefined
          ? undefined
          : compileLocalRateLimit(resource, `${path}[${index}].typed_config`, config, undefined, '');
      chain.push(new LocalRateLimitFilter(listenerLimit));
      return;
    }
    if (filter.name === FAULT_FILTER_NAME) {
      chain.push(new FaultFilter());
      return;
    }
    if (filter.name === RBAC_FILTER_NAME) {
      chain.push(compileRbacFilter(resource, `${path}[${index}].typed_config`, typedConfig));
      return;
    }
    if (!filter.is_optional)
      throw configError(
        resource,
        `${path}[${index}]`,
        `HTTP filter "${filter.name ?? ''}" is not supported by this sidecar yet`,
      );
  });
  if (filters.at(-1)?.name !== ROUTER_FILTER_NAME)
    throw configError(resource, path, `the last HTTP filter must be ${ROUTER_FILTER_NAME}`);
  return new HttpFilterChain(chain);
}
