// Route rules → xDS routes of the destination host's virtual host, in order, before its default
// route: matches, weighted clusters, timeouts, retries, rewrites, header edits, faults, mirrors.
import type { HeaderValueOption } from '../../../proto/gen/envoy/config/core/v3/HeaderValueOption.js';
import type { HeaderMatcher } from '../../../proto/gen/envoy/config/route/v3/HeaderMatcher.js';
import type { QueryParameterMatcher } from '../../../proto/gen/envoy/config/route/v3/QueryParameterMatcher.js';
import type { RetryPolicy } from '../../../proto/gen/envoy/config/route/v3/RetryPolicy.js';
import type { Route } from '../../../proto/gen/envoy/config/route/v3/Route.js';
import type {
  RouteAction,
  _envoy_config_route_v3_RouteAction_HashPolicy as HashPolicy,
} from '../../../proto/gen/envoy/config/route/v3/RouteAction.js';
import type { RouteMatch as XdsRouteMatch } from '../../../proto/gen/envoy/config/route/v3/RouteMatch.js';
import type { StringMatcher } from '../../../proto/gen/envoy/type/matcher/v3/StringMatcher.js';
import type { HTTPFault } from '../../../proto/gen/envoy/extensions/filters/http/fault/v3/HTTPFault.js';
import { TYPE_URL } from '../../../proto/xds.js';
import type { HeaderMatch, PathMatch, QueryMatch } from '../config/schema-common.js';
import { GRPC_RETRY_ON, type Retries } from '../config/retries-schema.js';
import type { MeshSettings } from '../config/mesh-config-schema.js';
import type { RouteDocument, RouteMatch, RouteRule } from '../config/route-schema.js';
import { resolveService, subsetClusterName } from '../config/service-ref.js';
import { duration, perMillion } from './duration.js';
import { typedConfig } from './typed-config.js';

export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
export const FAULT_TYPE_URL = TYPE_URL.fault;

/** Retry conditions when a rule's retries name none: failures where the request surely did no work. */
export const DEFAULT_RETRY_ON = 'connect-failure,reset,gateway-error';
/** Methods a retry may repeat unless the rule says retryNonIdempotent (RFC 9110 idempotent methods). */
export const IDEMPOTENT_METHODS = '^(GET|HEAD|OPTIONS|TRACE|PUT|DELETE)$';

/** The hash_policy of the cluster a route sends to (ring hash balancing needs one per route). */
export type HashPolicyOf = (cluster: string) => HashPolicy[] | undefined;

export function ruleRoutes(route: RouteDocument, hashPolicyOf: HashPolicyOf): Route[] {
  const namespace = route.metadata.namespace;
  const routes: Route[] = [];
  route.spec.rules.forEach((rule, ruleIndex) => {
    const action = routeAction(rule, namespace, hashPolicyOf);
    const extras = routeExtras(rule);
    const matches = rule.match ?? [{}];
    matches.forEach((match, matchIndex) => {
      const name = `${route.metadata.namespace}/${route.metadata.name}/rules[${ruleIndex}]${matches.length > 1 ? `/match[${matchIndex}]` : ''}`;
      routes.push({ name, match: routeMatch(match), route: action, ...extras });
    });
  });
  return routes;
}

/** The route that sends what no rule matched to the whole service. */
export function serviceRoute(fqdn: string, hashPolicyOf: HashPolicyOf): Route {
  const hash = hashPolicyOf(fqdn);
  return { name: 'default', match: { prefix: '/' }, route: { cluster: fqdn, ...(hash ? { hash_policy: hash } : {}) } };
}

/** Whether some rule injects faults: the listener then needs the fault filter. */
export function hasFaults(routes: readonly RouteDocument[]): boolean {
  return routes.some((route) => route.spec.rules.some((rule) => rule.fault !== undefined));
}

export function routeMatch(match: RouteMatch): XdsRouteMatch {
  const out: XdsRouteMatch = pathMatch(match.path);
  const headers: HeaderMatcher[] = Object.entries(match.headers ?? {}).map(([name, value]) =>
    headerMatcher(name, value),
  );
  if (match.method !== undefined) headers.push({ name: ':method', string_match: { exact: match.method } });
  if (headers.length > 0) out.headers = headers;
  const query = Object.entries(match.query ?? {}).map(([name, value]) => queryMatcher(name, value));
  if (query.length > 0) out.query_parameters = query;
  return out;
}

function pathMatch(path: PathMatch | undefined): XdsRouteMatch {
  if (path?.exact !== undefined) return { path: path.exact };
  if (path?.regex !== undefined) return { safe_regex: { regex: path.regex } };
  return { prefix: path?.prefix ?? '/' };
}

function stringMatch(match: { exact?: string; prefix?: string; regex?: string }): StringMatcher {
  if (match.exact !== undefined) return { exact: match.exact };
  if (match.prefix !== undefined) return { prefix: match.prefix };
  return { safe_regex: { regex: match.regex } };
}

function headerMatcher(name: string, match: HeaderMatch): HeaderMatcher {
  return match.present ? { name, present_match: true } : { name, string_match: stringMatch(match) };
}

function queryMatcher(name: string, match: QueryMatch): QueryParameterMatcher {
  return match.present ? { name, present_match: true } : { name, string_match: stringMatch(match) };
}

function routeAction(rule: RouteRule, namespace: string, hashPolicyOf: HashPolicyOf): RouteAction {
  const clusters = rule.destinations.map((destination) => ({
    name: subsetClusterName(resolveService(destination.service, namespace).fqdn, destination.subset),
    weight: destination.weight ?? 100,
  }));
  const action: RouteAction =
    clusters.length === 1
      ? { cluster: clusters[0]?.name }
      : {
          weighted_clusters: {
            clusters: clusters.map((cluster) => ({ name: cluster.name, weight: { value: cluster.weight } })),
          },
        };
  if (rule.timeout !== undefined) action.timeout = duration(rule.timeout);
  if (rule.retries) action.retry_policy = retryPolicy(rule.retries);
  if (rule.rewrite?.prefix !== undefined) action.prefix_rewrite = rule.rewrite.prefix;
  if (rule.rewrite?.host !== undefined) action.host_rewrite_literal = rule.rewrite.host;
  if (rule.mirror) {
    action.request_mirror_policies = [
      {
        cluster: subsetClusterName(resolveService(rule.mirror.service, namespace).fqdn, rule.mirror.subset),
        runtime_fraction: { default_value: perMillion(rule.mirror.percent) },
      },
    ];
  }
  // With several destinations, the first balanced by ring hash decides what to hash.
  const hash = clusters.map((cluster) => hashPolicyOf(cluster.name)).find((policy) => policy !== undefined);
  if (hash) action.hash_policy = hash;
  return action;
}

/**
 * Envoy's RetryPolicy for a rule's retries, or for the mesh's default on a virtual host (a route's
 * own policy replaces it whole). No retries is a policy that retries on nothing, which overrides the
 * default too (gRPC clients refuse num_retries 0).
 */
export function retryPolicy(retries: Retries): RetryPolicy {
  if (retries.attempts === 0) return { retry_on: '' };
  const names: string[] = [];
  const statuses: number[] = [];
  for (const on of retries.retryOn ?? []) {
    if (typeof on === 'number') statuses.push(on);
    else names.push(on);
  }
  if (statuses.length > 0) names.push('retriable-status-codes');
  const policy: RetryPolicy = {
    retry_on: retries.retryOn === undefined ? DEFAULT_RETRY_ON : names.join(','),
    num_retries: { value: retries.attempts },
  };
  if (statuses.length > 0) policy.retriable_status_codes = statuses;
  if (retries.perTryTimeout !== undefined) policy.per_try_timeout = duration(retries.perTryTimeout);
  if (retries.backoff) {
    policy.retry_back_off = {
      base_interval: duration(retries.backoff.base),
      ...(retries.backoff.max === undefined ? {} : { max_interval: duration(retries.backoff.max) }),
    };
  }
  const isGrpcRetry = names.some((name) => (GRPC_RETRY_ON as readonly string[]).includes(name));
  if (!(retries.retryNonIdempotent ?? isGrpcRetry))
    policy.retriable_request_headers = [
      { name: ':method', string_match: { safe_regex: { regex: IDEMPOTENT_METHODS } } },
    ];
  return policy;
}

/** The virtual host's fields for the mesh's default retries: every route without its own policy retries so. */
export function defaultRetries(mesh: MeshSettings): { retry_policy?: RetryPolicy } {
  return mesh.defaultRetries.attempts === 0 ? {} : { retry_policy: retryPolicy(mesh.defaultRetries) };
}

/** Route-level fields beside the action: header edits and the fault filter's per-route config. */
function routeExtras(rule: RouteRule): Route {
  const extras: Route = {};
  const edits = rule.headers;
  const additions = (add: Record<string, string>): HeaderValueOption[] =>
    // Envoy reads % in header values as a formatter command; %% is a literal %.
    Object.entries(add).map(([key, value]) => ({
      header: { key, value: value.replaceAll('%', '%%') },
      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
    }));
  if (edits?.request?.add) extras.request_headers_to_add = additions(edits.request.add);
  if (edits?.request?.remove) extras.request_headers_to_remove = edits.request.remove;
  if (edits?.response?.add) extras.response_headers_to_add = additions(edits.response.add);
  if (edits?.response?.remove) extras.response_headers_to_remove = edits.response.remove;
  if (rule.fault) {
    const fault: HTTPFault = {};
    if (rule.fault.delay)
      fault.delay = { fixed_delay: duration(rule.fault.delay.fixed), percentage: perMillion(rule.fault.delay.percent) };
    if (rule.fault.abort)
      fault.abort = { http_status: rule.fault.abort.status, percentage: perMillion(rule.fault.abort.percent) };
    extras.typed_per_filter_config = { [FAULT_FILTER_NAME]: typedConfig(FAULT_TYPE_URL, fault) };
  }
  return extras;
}
