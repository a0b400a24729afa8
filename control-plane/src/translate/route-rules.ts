// Route rules → xDS routes of the destination host's virtual host, in order, before its default
// route: matches, weighted clusters, timeouts, retries, rewrites, header edits, faults, mirrors.
import { TYPE_URL } from '../../../proto/xds.js';
import type { HeaderMatch, PathMatch, QueryMatch } from '../config/schema-common.js';
import { GRPC_RETRY_ON, type RouteDocument, type RouteMatch, type RouteRule } from '../config/route-schema.js';
import { resolveService, subsetClusterName } from '../config/service-ref.js';
import { duration, perMillion } from './duration.js';

export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
export const FAULT_TYPE_URL = TYPE_URL.fault;

/** Retry conditions when a rule's retries name none: failures where the request surely did no work. */
export const DEFAULT_RETRY_ON = 'connect-failure,reset,gateway-error';
/** Methods a retry may repeat unless the rule says retryNonIdempotent (RFC 9110 idempotent methods). */
export const IDEMPOTENT_METHODS = '^(GET|HEAD|OPTIONS|TRACE|PUT|DELETE)$';

/** The hash_policy of the cluster a route sends to (ring hash balancing needs one per route). */
export type HashPolicyOf = (cluster: string) => object[] | undefined;

export function ruleRoutes(route: RouteDocument, hashPolicyOf: HashPolicyOf): object[] {
  const namespace = route.metadata.namespace;
  const routes: object[] = [];
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
export function serviceRoute(fqdn: string, hashPolicyOf: HashPolicyOf): object {
  const hash = hashPolicyOf(fqdn);
  return { name: 'default', match: { prefix: '/' }, route: { cluster: fqdn, ...(hash ? { hash_policy: hash } : {}) } };
}

/** Whether some rule injects faults: the listener then needs the fault filter. */
export function hasFaults(routes: readonly RouteDocument[]): boolean {
  return routes.some((route) => route.spec.rules.some((rule) => rule.fault !== undefined));
}

export function routeMatch(match: RouteMatch): object {
  const out: Record<string, unknown> = pathMatch(match.path);
  const headers: object[] = Object.entries(match.headers ?? {}).map(([name, value]) => headerMatcher(name, value));
  if (match.method !== undefined) headers.push({ name: ':method', string_match: { exact: match.method } });
  if (headers.length > 0) out.headers = headers;
  const query = Object.entries(match.query ?? {}).map(([name, value]) => queryMatcher(name, value));
  if (query.length > 0) out.query_parameters = query;
  return out;
}

function pathMatch(path: PathMatch | undefined): Record<string, unknown> {
  if (path?.exact !== undefined) return { path: path.exact };
  if (path?.regex !== undefined) return { safe_regex: { regex: path.regex } };
  return { prefix: path?.prefix ?? '/' };
}

function stringMatch(match: { exact?: string; prefix?: string; regex?: string }): object {
  if (match.exact !== undefined) return { exact: match.exact };
  if (match.prefix !== undefined) return { prefix: match.prefix };
  return { safe_regex: { regex: match.regex } };
}

function headerMatcher(name: string, match: HeaderMatch): object {
  return match.present ? { name, present_match: true } : { name, string_match: stringMatch(match) };
}

function queryMatcher(name: string, match: QueryMatch): object {
  return match.present ? { name, present_match: true } : { name, string_match: stringMatch(match) };
}

function routeAction(rule: RouteRule, namespace: string, hashPolicyOf: HashPolicyOf): object {
  const clusters = rule.destinations.map((destination) => ({
    name: subsetClusterName(resolveService(destination.service, namespace).fqdn, destination.subset),
    weight: destination.weight ?? 100,
  }));
  const action: Record<string, unknown> =
    clusters.length === 1
      ? { cluster: clusters[0]?.name }
      : {
          weighted_clusters: {
            clusters: clusters.map((cluster) => ({ name: cluster.name, weight: { value: cluster.weight } })),
          },
        };
  if (rule.timeout !== undefined) action.timeout = duration(rule.timeout);
  const retries = rule.retries;
  if (retries) {
    const policy: Record<string, unknown> = {
      retry_on: retries.retryOn?.join(',') ?? DEFAULT_RETRY_ON,
      num_retries: { value: retries.attempts },
    };
    if (retries.perTryTimeout !== undefined) policy.per_try_timeout = duration(retries.perTryTimeout);
    if (retries.backoff) {
      policy.retry_back_off = {
        base_interval: duration(retries.backoff.base),
        ...(retries.backoff.max === undefined ? {} : { max_interval: duration(retries.backoff.max) }),
      };
    }
    const isGrpcRetry = retries.retryOn?.some((name) => (GRPC_RETRY_ON as readonly string[]).includes(name)) === true;
    if (!(retries.retryNonIdempotent ?? isGrpcRetry))
      policy.retriable_request_headers = [
        { name: ':method', string_match: { safe_regex: { regex: IDEMPOTENT_METHODS } } },
      ];
    action.retry_policy = policy;
  }
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

/** Route-level fields beside the action: header edits and the fault filter's per-route config. */
function routeExtras(rule: RouteRule): Record<string, unknown> {
  const extras: Record<string, unknown> = {};
  const edits = rule.headers;
  const additions = (add: Record<string, string>) =>
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
    const fault: Record<string, unknown> = { '@type': FAULT_TYPE_URL };
    if (rule.fault.delay)
      fault.delay = { fixed_delay: duration(rule.fault.delay.fixed), percentage: perMillion(rule.fault.delay.percent) };
    if (rule.fault.abort)
      fault.abort = { http_status: rule.fault.abort.status, percentage: perMillion(rule.fault.abort.percent) };
    extras.typed_per_filter_config = { [FAULT_FILTER_NAME]: fault };
  }
  return extras;
}
