// Compiles a Listener's HttpConnectionManager and its RouteConfiguration into the route table the
// router uses: virtual hosts by domain, routes with compiled matchers. Anything this sidecar would
// not honour is an XdsConfigError naming the resource and field (the NACK's error_detail).
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { Route__Output } from '../../../proto/gen/envoy/config/route/v3/Route.js';
import type { RouteConfiguration__Output } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';
import type { HttpConnectionManager__Output } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import { HCM_FILTER_NAME, ROUTER_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import type { PathMatch, Route } from '../router/route-matcher.js';
import { VirtualHostTable } from '../router/virtual-host-table.js';
import { XdsConfigError } from './resource-set.js';

export interface VirtualHost {
  name: string;
  routes: readonly Route[];
}

export interface RouteTable {
  name: string;
  virtualHosts: VirtualHostTable<VirtualHost>;
}

/** What a listener needs from RDS: the route table's name, or the table itself when inline. */
export type ListenerRoutes = { rds: string } | { inline: RouteConfiguration__Output };

export function compileListener(listener: Listener__Output): ListenerRoutes {
  const where = `Listener "${listener.name}"`;
  const chains = listener.filter_chains ?? [];
  if (chains.length !== 1) throw new XdsConfigError(`${where}: filter_chains: expected exactly one filter chain, got ${chains.length}`);
  const filters = chains[0]?.filters ?? [];
  const filter = filters[0];
  if (filters.length !== 1 || filter?.name !== HCM_FILTER_NAME) {
    throw new XdsConfigError(`${where}: filter_chains[0].filters: expected one ${HCM_FILTER_NAME} filter`);
  }
  const config = filter.typed_config as (HttpConnectionManager__Output & { '@type'?: string }) | undefined;
  if (config?.['@type'] !== TYPE_URL.httpConnectionManager) {
    throw new XdsConfigError(`${where}: filter_chains[0].filters[0].typed_config: expected ${TYPE_URL.httpConnectionManager}`);
  }
  const hcm = `${where}: filter_chains[0].filters[0].typed_config`;
  const httpFilters = config.http_filters ?? [];
  httpFilters.forEach((httpFilter, index) => {
    if (httpFilter.name !== ROUTER_FILTER_NAME || index !== httpFilters.length - 1) {
      throw new XdsConfigError(`${hcm}.http_filters[${index}]: "${httpFilter.name}" is not supported (only ${ROUTER_FILTER_NAME}, last)`);
    }
  });
  if (httpFilters.length === 0) throw new XdsConfigError(`${hcm}.http_filters: must end with ${ROUTER_FILTER_NAME}`);
  if (config.route_specifier === 'rds' && config.rds?.route_config_name) return { rds: config.rds.route_config_name };
  if (config.route_specifier === 'route_config' && config.route_config) return { inline: config.route_config };
  throw new XdsConfigError(`${hcm}: needs rds.route_config_name or an inline route_config (got ${config.route_specifier ?? 'neither'})`);
}

export function compileRouteConfiguration(config: RouteConfiguration__Output): RouteTable {
  const where = `RouteConfiguration "${config.name}"`;
  const virtualHosts = config.virtual_hosts ?? [];
  const entries = virtualHosts.map((virtualHost, vhIndex) => ({
    domains: virtualHost.domains ?? [],
    value: {
      name: virtualHost.name ?? '',
      routes: (virtualHost.routes ?? []).map((route, index) => compileRoute(route, `${where}: virtual_hosts[${vhIndex}].routes[${index}]`)),
    },
  }));
  try {
    return {
      name: config.name ?? '',
      virtualHosts: new VirtualHostTable(entries, (vh, domain) => `${where}: virtual_hosts[${vh}].domains[${domain}]`),
    };
  } catch (error) {
    throw new XdsConfigError((error as Error).message);
  }
}

function compileRoute(route: Route__Output, where: string): Route {
  const match = route.match;
  if (!match) throw new XdsConfigError(`${where}.match: is required`);
  for (const field of ['headers', 'query_parameters', 'dynamic_metadata'] as const) {
    if ((match[field] ?? []).length > 0) throw new XdsConfigError(`${where}.match.${field}: not supported by this sidecar yet`);
  }
  for (const field of ['grpc', 'tls_context', 'runtime_fraction'] as const) {
    if (match[field]) throw new XdsConfigError(`${where}.match.${field}: not supported by this sidecar yet`);
  }
  if (route.action !== 'route' || !route.route) {
    throw new XdsConfigError(`${where}: action "${route.action ?? 'none'}" is not supported (only route)`);
  }
  if (route.route.cluster_specifier !== 'cluster' || !route.route.cluster) {
    throw new XdsConfigError(`${where}.route: cluster_specifier "${route.route.cluster_specifier ?? 'none'}" is not supported (only cluster)`);
  }
  return { name: route.name ?? '', match: compilePathMatch(match, `${where}.match`), cluster: route.route.cluster };
}

function compilePathMatch(match: NonNullable<Route__Output['match']>, where: string): PathMatch {
  if (match.case_sensitive && match.case_sensitive.value === false) {
    throw new XdsConfigError(`${where}.case_sensitive: case-insensitive matching is not supported`);
  }
  switch (match.path_specifier) {
    case 'prefix':
      return { kind: 'prefix', value: match.prefix ?? '' };
    case 'path':
      return { kind: 'path', value: match.path ?? '' };
    case 'safe_regex': {
      const pattern = match.safe_regex?.regex ?? '';
      try {
        // Envoy's regex must match the whole path.
        return { kind: 'regex', value: new RegExp(`^(?:${pattern})$`) };
      } catch (error) {
        throw new XdsConfigError(`${where}.safe_regex.regex: invalid regex "${pattern}": ${(error as Error).message}`);
      }
    }
    default:
      throw new XdsConfigError(`${where}: path_specifier "${match.path_specifier ?? 'none'}" is not supported (prefix, path, safe_regex)`);
  }
}
