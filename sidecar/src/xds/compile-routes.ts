// Compiles a RouteConfiguration into the router's route table: virtual hosts by domain, routes
// with their matchers built (regexes included). Anything this sidecar would not honour is an
// XdsConfigError naming the field.
import type { Route__Output } from '../../../proto/gen/envoy/config/route/v3/Route.js';
import type { RouteConfiguration__Output } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';
import type { RouteMatch__Output } from '../../../proto/gen/envoy/config/route/v3/RouteMatch.js';
import type { Route, PathMatch } from '../router/route-matcher.js';
import type { RouteTable, VirtualHost } from '../router/router.js';
import { parseDomain, VirtualHostTable, type DomainPattern } from '../router/virtual-host-table.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';

const HEADER_EDITS: UnsupportedFields = [
  ['request_headers_to_add', 'header editing'],
  ['request_headers_to_remove', 'header editing'],
  ['response_headers_to_add', 'header editing'],
  ['response_headers_to_remove', 'header editing'],
];
const UNSUPPORTED_ROUTE_CONFIGURATION: UnsupportedFields = [
  ...HEADER_EDITS,
  ['internal_only_headers', 'internal-only headers'],
  ['vhds', 'VHDS'],
  ['cluster_specifier_plugins', 'cluster specifier plugins'],
  ['request_mirror_policies', 'request mirroring'],
];
const UNSUPPORTED_VIRTUAL_HOST: UnsupportedFields = [
  ...HEADER_EDITS,
  ['require_tls', 'require_tls'],
  ['virtual_clusters', 'virtual clusters'],
  ['rate_limits', 'rate limiting'],
  ['cors', 'CORS'],
  ['retry_policy', 'retries'],
  ['hedge_policy', 'hedging'],
  ['request_mirror_policies', 'request mirroring'],
  ['matcher', 'the generic matcher'],
  ['typed_per_filter_config', 'per-filter config'],
];
const UNSUPPORTED_ROUTE: UnsupportedFields = [...HEADER_EDITS, ['typed_per_filter_config', 'per-filter config']];
const UNSUPPORTED_MATCH: UnsupportedFields = [
  ['headers', 'header matching'],
  ['query_parameters', 'query parameter matching'],
  ['grpc', 'gRPC matching'],
  ['runtime_fraction', 'runtime fractions'],
  ['tls_context', 'TLS context matching'],
  ['dynamic_metadata', 'metadata matching'],
];
const UNSUPPORTED_ROUTE_ACTION: UnsupportedFields = [
  ['prefix_rewrite', 'path rewriting'],
  ['regex_rewrite', 'path rewriting'],
  ['path_rewrite_policy', 'path rewriting'],
  ['host_rewrite_specifier', 'host rewriting'],
  ['timeout', 'route timeouts'],
  ['idle_timeout', 'route idle timeouts'],
  ['max_stream_duration', 'stream durations'],
  ['retry_policy', 'retries'],
  ['retry_policy_typed_config', 'retries'],
  ['hedge_policy', 'hedging'],
  ['request_mirror_policies', 'request mirroring'],
  ['hash_policy', 'hash policies (ring hash)'],
  ['metadata_match', 'subset load balancing'],
  ['rate_limits', 'rate limiting'],
  ['upgrade_configs', 'protocol upgrades (WebSocket)'],
  ['cors', 'CORS'],
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
    const virtualHost: VirtualHost = {
      name: virtualHostConfig.name ?? '',
      routes: (virtualHostConfig.routes ?? []).map((route, index) => compileRoute(resource, `${path}.routes[${index}]`, route)),
    };
    domains.forEach((domain, index) => {
      const pattern = parseDomain(domain);
      if (pattern === undefined) throw configError(resource, `${path}.domains[${index}]`, `"${domain}": a wildcard may only be the whole domain or stand at its start or end`);
      // Envoy: a domain may belong to one virtual host only, whatever its case.
      if (seen.has(domain.toLowerCase())) throw configError(resource, `${path}.domains[${index}]`, `"${domain}" is a domain of more than one virtual host`);
      seen.add(domain.toLowerCase());
      entries.push([pattern, virtualHost]);
    });
  });
  return {
    table: { name: config.name ?? '', virtualHosts: new VirtualHostTable(entries) },
    ignorePortInHostMatching: config.ignore_port_in_host_matching === true,
  };
}

function compileRoute(resource: ResourceRef, path: string, route: Route__Output): Route {
  rejectUnsupported(resource, path, route, UNSUPPORTED_ROUTE);
  if (route.match === undefined) throw configError(resource, `${path}.match`, 'is required');
  const match = compilePathMatch(resource, `${path}.match`, route.match);
  if (route.action !== 'route' || route.route === undefined) {
    throw configError(resource, path, `action ${route.action ?? 'none'} is not supported by this sidecar yet (route)`);
  }
  const action = route.route;
  rejectUnsupported(resource, `${path}.route`, action, UNSUPPORTED_ROUTE_ACTION);
  if (action.cluster_specifier !== 'cluster' || (action.cluster ?? '') === '') {
    throw configError(resource, `${path}.route`, `cluster_specifier ${action.cluster_specifier ?? 'none'} is not supported by this sidecar yet (cluster)`);
  }
  return { name: route.name ?? '', match, cluster: action.cluster as string };
}

function compilePathMatch(resource: ResourceRef, path: string, match: RouteMatch__Output): PathMatch {
  rejectUnsupported(resource, path, match, UNSUPPORTED_MATCH);
  if (match.case_sensitive?.value === false) throw configError(resource, `${path}.case_sensitive`, 'case-insensitive matching is not supported by this sidecar yet');
  switch (match.path_specifier) {
    case 'prefix':
      return { kind: 'prefix', value: match.prefix ?? '' };
    case 'path':
      return { kind: 'path', value: match.path ?? '' };
    case 'safe_regex':
      return { kind: 'regex', value: compileRegex(resource, `${path}.safe_regex`, match.safe_regex?.regex ?? '') };
    default:
      throw configError(resource, path, `path_specifier ${match.path_specifier ?? 'none'} is not supported by this sidecar yet (prefix, path, safe_regex)`);
  }
}

// RE2 has neither lookaround nor backreferences: Envoy rejects them, and so do we.
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;

function compileRegex(resource: ResourceRef, path: string, pattern: string): RegExp {
  if (NOT_RE2.test(pattern)) throw configError(resource, path, `invalid regex "${pattern}": lookaround and backreferences are not RE2 syntax`);
  // RE2's named groups are (?P<name>…), JavaScript's (?<name>…).
  const source = pattern.replaceAll('(?P<', '(?<');
  try {
    new RegExp(source);
  } catch (error) {
    throw configError(resource, path, `invalid regex "${pattern}": ${(error as Error).message}`);
  }
  // Envoy's safe_regex must match the whole path, not a part of it.
  return new RegExp(`^(?:${source})$`);
}
