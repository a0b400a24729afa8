// Compiles a RouteConfiguration into the router's route table: virtual hosts by domain, routes
// with their matchers built (regexes included). Anything this sidecar would not honour is an
// XdsConfigError naming the field.
import type { Route__Output } from '../../../proto/gen/envoy/config/route/v3/Route.js';
import type { RouteConfiguration__Output } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';
import type { VirtualHost__Output } from '../../../proto/gen/envoy/config/route/v3/VirtualHost.js';
import type { RouteMatch__Output } from '../../../proto/gen/envoy/config/route/v3/RouteMatch.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import type { PathMatch, Route, RouteMatch } from '../router/route-matcher.js';
import type { RouteTable, VirtualHost } from '../router/router.js';
import { parseDomain, VirtualHostTable, type DomainPattern } from '../router/virtual-host-table.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { compileRegex, compileHeaderMatcher, compileQueryMatcher } from './compile-matchers.js';
import type { LocalRateLimiter } from '../filters/local-rate-limit.js';
import { compileLocalRateLimit, LOCAL_RATE_LIMIT_FILTER_NAME } from './compile-rate-limit.js';
import { compileFault } from './compile-fault.js';
import { compileHeaderEdits } from './compile-header-edits.js';
import { compileRetryPolicy } from './compile-retry-policy.js';
import { compileRouteAction } from './compile-route-action.js';

const UNSUPPORTED_ROUTE_CONFIGURATION: UnsupportedFields = [
  ['internal_only_headers', 'internal-only headers'],
  ['vhds', 'VHDS'],
  ['cluster_specifier_plugins', 'cluster specifier plugins'],
  ['request_mirror_policies', 'request mirroring on the route configuration (set it on a route)'],
  ['typed_per_filter_config', 'per-filter config on the route configuration'],
];
const UNSUPPORTED_VIRTUAL_HOST: UnsupportedFields = [
  ['require_tls', 'require_tls'],
  ['virtual_clusters', 'virtual clusters'],
  ['rate_limits', 'global rate limiting'],
  ['cors', 'CORS'],
  ['hedge_policy', 'hedging'],
  ['request_mirror_policies', 'virtual host request mirroring (set it on a route)'],
  ['matcher', 'the generic matcher'],
];
const UNSUPPORTED_ROUTE: UnsupportedFields = [];
const UNSUPPORTED_MATCH: UnsupportedFields = [
  ['grpc', 'gRPC matching'],
  ['runtime_fraction', 'runtime fractions'],
  ['tls_context', 'TLS context matching'],
  ['dynamic_metadata', 'metadata matching'],
];

/** A RouteConfiguration as the router uses it, plus whether the config asks to ignore the Host's port. */
export interface CompiledRoutes {
  table: RouteTable;
  ignorePortInHostMatching: boolean;
}

export function compileRouteConfiguration(config: RouteConfiguration__Output): CompiledRoutes {
  const resource: ResourceRef = `RouteConfiguration "${config.name ?? ''}"`;
  rejectUnsupported(resource, '', config, UNSUPPORTED_ROUTE_CONFIGURATION);
  const entries: Array<[DomainPattern, VirtualHost]> = [];
  const seen = new Set<string>();
  (config.virtual_hosts ?? []).forEach((virtualHostConfig, vhIndex) => {
    const path = `virtual_hosts[${vhIndex}]`;
    rejectUnsupported(resource, path, virtualHostConfig, UNSUPPORTED_VIRTUAL_HOST);
    const domains = virtualHostConfig.domains ?? [];
    if (domains.length === 0) throw configError(resource, `${path}.domains`, 'needs at least one domain');
    const retry =
      virtualHostConfig.retry_policy === undefined
        ? undefined
        : compileRetryPolicy(resource, `${path}.retry_policy`, virtualHostConfig.retry_policy);
    const virtualHost: VirtualHost = {
      name: virtualHostConfig.name ?? '',
      routes: (virtualHostConfig.routes ?? []).map((route, index) =>
        compileRoute(resource, `${path}.routes[${index}]`, route, {
          config,
          virtualHost: virtualHostConfig,
          virtualHostPath: path,
          retry,
        }),
      ),
    };
    domains.forEach((domain, index) => {
      const pattern = parseDomain(domain);
      if (pattern === undefined)
        throw configError(
          resource,
          `${path}.domains[${index}]`,
          `"${domain}": a wildcard may only be the whole domain or stand at its start or end`,
        );
      // Envoy: a domain may belong to one virtual host only, whatever its case.
      if (seen.has(domain.toLowerCase()))
        throw configError(
          resource,
          `${path}.domains[${index}]`,
          `"${domain}" is a domain of more than one virtual host`,
        );
      seen.add(domain.toLowerCase());
      entries.push([pattern, virtualHost]);
    });
  });
  return {
    table: { name: config.name ?? '', virtualHosts: new VirtualHostTable(entries) },
    ignorePortInHostMatching: config.ignore_port_in_host_matching === true,
  };
}

/** What a route inherits from the levels above it. */
interface Enclosing {
  config: RouteConfiguration__Output;
  virtualHost: VirtualHost__Output;
  virtualHostPath: string;
  /** The virtual host's retry policy, for routes without their own. */
  retry: RetryPolicy | undefined;
}

function compileRoute(resource: ResourceRef, path: string, route: Route__Output, enclosing: Enclosing): Route {
  rejectUnsupported(resource, path, route, UNSUPPORTED_ROUTE);
  if (route.match === undefined) throw configError(resource, `${path}.match`, 'is required');
  const match = compileRouteMatch(resource, `${path}.match`, route.match);
  if (route.action !== 'route' || route.route === undefined) {
    throw configError(resource, path, `action ${route.action ?? 'none'} is not supported by this sidecar yet (route)`);
  }
  const action = compileRouteAction(resource, `${path}.route`, route.route, match.path, enclosing.retry);
  const levels = [
    [resource, path, route],
    [resource, enclosing.virtualHostPath, enclosing.virtualHost],
    [resource, '', enclosing.config],
  ] as const;
  action.requestHeaders = compileHeaderEdits(levels, 'request');
  action.responseHeaders = compileHeaderEdits(levels, 'response');
  action.filterConfig = {
    routeName: route.name ?? '',
    rateLimit: compileRouteRateLimit(resource, path, route, enclosing),
    // The most specific fault config wins, as Envoy's per-filter config does.
    fault:
      compileFault(resource, path, route.typed_per_filter_config as TypedConfigs) ??
      compileFault(resource, enclosing.virtualHostPath, enclosing.virtualHost.typed_per_filter_config as TypedConfigs),
  };
  return { name: route.name ?? '', match, action };
}

type TypedConfigs = Parameters<typeof compileFault>[2];

/** The route's own local rate limit config, or else its virtual host's. */
function compileRouteRateLimit(
  resource: ResourceRef,
  path: string,
  route: Route__Output,
  enclosing: Enclosing,
): LocalRateLimiter | undefined {
  const actions = route.route?.rate_limits;
  const own = (route.typed_per_filter_config as TypedConfigs)?.[LOCAL_RATE_LIMIT_FILTER_NAME];
  const key = `typed_per_filter_config["${LOCAL_RATE_LIMIT_FILTER_NAME}"]`;
  if (own !== undefined)
    return compileLocalRateLimit(resource, `${path}.${key}`, own, actions, `${path}.route.rate_limits`);
  const inherited = (enclosing.virtualHost.typed_per_filter_config as TypedConfigs)?.[LOCAL_RATE_LIMIT_FILTER_NAME];
  if (inherited !== undefined)
    return compileLocalRateLimit(
      resource,
      `${enclosing.virtualHostPath}.${key}`,
      inherited,
      actions,
      `${path}.route.rate_limits`,
    );
  if ((actions ?? []).length > 0)
    throw configError(
      resource,
      `${path}.route.rate_limits`,
      'needs a local rate limit config on the route or its virtual host (global rate limiting is not supported)',
    );
  return undefined;
}

function compileRouteMatch(resource: ResourceRef, path: string, match: RouteMatch__Output): RouteMatch {
  rejectUnsupported(resource, path, match, UNSUPPORTED_MATCH);
  if (match.case_sensitive?.value === false)
    throw configError(
      resource,
      `${path}.case_sensitive`,
      'case-insensitive matching is not supported by this sidecar yet',
    );
  return {
    path: compilePathMatch(resource, path, match),
    headers: (match.headers ?? []).map((matcher, index) =>
      compileHeaderMatcher(resource, `${path}.headers[${index}]`, matcher),
    ),
    query: (match.query_parameters ?? []).map((matcher, index) =>
      compileQueryMatcher(resource, `${path}.query_parameters[${index}]`, matcher),
    ),
  };
}

function compilePathMatch(resource: ResourceRef, path: string, match: RouteMatch__Output): PathMatch {
  switch (match.path_specifier) {
    case 'prefix':
      return { kind: 'prefix', value: match.prefix ?? '' };
    case 'path':
      return { kind: 'path', value: match.path ?? '' };
    case 'safe_regex':
      return { kind: 'regex', value: compileRegex(resource, `${path}.safe_regex`, match.safe_regex?.regex ?? '') };
    default:
      throw configError(
        resource,
        path,
        `path_specifier ${match.path_specifier ?? 'none'} is not supported by this sidecar yet (prefix, path, safe_regex)`,
      );
  }
}
