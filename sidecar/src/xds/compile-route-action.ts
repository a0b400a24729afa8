// Compiles a route's RouteAction (and its per-route fault config) into what the router does with a
// matched request. Anything this sidecar would not honour is an XdsConfigError naming the field.
import type { HeaderValueOption__Output } from '../../../proto/gen/envoy/config/core/v3/HeaderValueOption.js';
import type { RetryPolicy__Output } from '../../../proto/gen/envoy/config/route/v3/RetryPolicy.js';
import type { RouteAction__Output } from '../../../proto/gen/envoy/config/route/v3/RouteAction.js';
import type { HTTPFault__Output } from '../../../proto/gen/envoy/extensions/filters/http/fault/v3/HTTPFault.js';
import { singleCluster, weightedClusters, type ClusterChoice } from '../router/cluster-choice.js';
import type { Fault } from '../router/fault.js';
import type { HashPolicy } from '../router/hash-policy.js';
import type { HeaderAddition, HeaderEdits } from '../router/header-edits.js';
import { RETRY_ON_NAMES, type RetryPolicy } from '../router/retry-policy.js';
import type { MirrorPolicy, PathRewrite, RouteAction } from '../router/route-action.js';
import type { PathMatch } from '../router/route-matcher.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { compileHeaderMatcher } from './compile-matchers.js';
import { durationMs, perMillion } from './duration.js';

export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
const FAULT_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

const UNSUPPORTED_ROUTE_ACTION: UnsupportedFields = [
  ['regex_rewrite', 'regex path rewriting'],
  ['path_rewrite_policy', 'path rewrite policies'],
  ['idle_timeout', 'route idle timeouts'],
  ['max_stream_duration', 'stream durations'],
  ['retry_policy_typed_config', 'typed retry policies'],
  ['hedge_policy', 'hedging'],
  ['metadata_match', 'subset load balancing (the control plane makes a cluster per subset)'],
  ['upgrade_configs', 'protocol upgrades (WebSocket)'],
  ['cors', 'CORS'],
  ['internal_redirect_policy', 'internal redirects'],
];
const UNSUPPORTED_RETRY: UnsupportedFields = [
  ['retry_priority', 'retry priorities'],
  ['retry_host_predicate', 'retry host predicates (a retry always prefers another endpoint)'],
  ['retriable_headers', 'retriable response headers'],
  ['rate_limited_retry_back_off', 'rate-limited backoff'],
  ['retry_options_predicates', 'retry options predicates'],
  ['per_try_idle_timeout', 'per-try idle timeouts'],
];
const UNSUPPORTED_FAULT: UnsupportedFields = [
  ['upstream_cluster', 'faults for one upstream cluster'],
  ['headers', 'faults for matching headers'],
  ['downstream_nodes', 'faults for downstream nodes'],
  ['max_active_faults', 'max_active_faults'],
  ['response_rate_limit', 'response rate limits'],
];
// Envoy's defaults: one retry, backoff from 25 ms up to ten times that.
const DEFAULT_NUM_RETRIES = 1;
const DEFAULT_BASE_INTERVAL_MS = 25;

export function compileRouteAction(
  resource: ResourceRef,
  path: string,
  action: RouteAction__Output,
  match: PathMatch,
): RouteAction {
  rejectUnsupported(resource, path, action, UNSUPPORTED_ROUTE_ACTION);
  const timeoutMs = action.timeout === undefined ? 0 : durationMs(action.timeout);
  if (timeoutMs < 0) throw configError(resource, `${path}.timeout`, 'must not be negative');
  return {
    clusters: compileClusterChoice(resource, path, action),
    timeoutMs,
    retry:
      action.retry_policy === undefined
        ? undefined
        : compileRetryPolicy(resource, `${path}.retry_policy`, action.retry_policy),
    prefixRewrite: compilePrefixRewrite(resource, path, action, match),
    hostRewrite: compileHostRewrite(resource, path, action),
    requestHeaders: undefined,
    responseHeaders: undefined,
    fault: undefined,
    rateLimit: undefined,
    mirrors: (action.request_mirror_policies ?? []).map((policy, index): MirrorPolicy => {
      const mirrorPath = `${path}.request_mirror_policies[${index}]`;
      if ((policy.cluster ?? '') === '')
        throw configError(resource, `${mirrorPath}.cluster`, 'is required (cluster_header is not supported)');
      if (policy.disable_shadow_host_suffix_append === true)
        throw configError(
          resource,
          `${mirrorPath}.disable_shadow_host_suffix_append`,
          'is not supported by this sidecar yet',
        );
      const fraction = policy.runtime_fraction?.default_value;
      return {
        cluster: policy.cluster as string,
        perMillion: fraction === undefined ? 1_000_000 : perMillion(fraction),
      };
    }),
    hashPolicy: (action.hash_policy ?? []).map((policy, index): HashPolicy => {
      const terminal = policy.terminal === true;
      switch (policy.policy_specifier) {
        case 'header':
          if (policy.header?.regex_rewrite !== undefined)
            throw configError(
              resource,
              `${path}.hash_policy[${index}].header.regex_rewrite`,
              'is not supported by this sidecar yet',
            );
          return { kind: 'header', name: (policy.header?.header_name ?? '').toLowerCase(), terminal };
        case 'cookie':
          if (policy.cookie?.ttl !== undefined)
            throw configError(
              resource,
              `${path}.hash_policy[${index}].cookie.ttl`,
              'generated cookies are not supported by this sidecar yet',
            );
          return { kind: 'cookie', name: policy.cookie?.name ?? '', terminal };
        case 'connection_properties':
          if (policy.connection_properties?.source_ip !== true)
            throw configError(
              resource,
              `${path}.hash_policy[${index}].connection_properties.source_ip`,
              'must be true',
            );
          return { kind: 'source-ip', terminal };
        default:
          throw configError(
            resource,
            `${path}.hash_policy[${index}]`,
            `${policy.policy_specifier ?? 'no policy'} is not supported by this sidecar yet (header, cookie, connection_properties)`,
          );
      }
    }),
  };
}

function compileClusterChoice(resource: ResourceRef, path: string, action: RouteAction__Output): ClusterChoice {
  if (action.cluster_specifier === 'cluster' && (action.cluster ?? '') !== '')
    return singleCluster(action.cluster as string);
  if (action.cluster_specifier === 'weighted_clusters') {
    const weighted = action.weighted_clusters;
    if (weighted?.header_name !== undefined && weighted.header_name !== '')
      throw configError(resource, `${path}.weighted_clusters.header_name`, 'is not supported by this sidecar yet');
    const entries = (weighted?.clusters ?? []).map((entry, index): [string, number] => {
      const entryPath = `${path}.weighted_clusters.clusters[${index}]`;
      if ((entry.name ?? '') === '')
        throw configError(resource, `${entryPath}.name`, 'is required (cluster_header is not supported)');
      rejectUnsupported(resource, entryPath, entry, [
        ['metadata_match', 'subset load balancing'],
        ['request_headers_to_add', 'per-cluster header editing'],
        ['request_headers_to_remove', 'per-cluster header editing'],
        ['response_headers_to_add', 'per-cluster header editing'],
        ['response_headers_to_remove', 'per-cluster header editing'],
        ['typed_per_filter_config', 'per-cluster filter config'],
        ['host_rewrite_literal', 'per-cluster host rewriting'],
      ]);
      return [entry.name as string, entry.weight?.value ?? 0];
    });
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    if (entries.length === 0 || total === 0)
      throw configError(
        resource,
        `${path}.weighted_clusters.clusters`,
        'needs at least one cluster with a weight above 0',
      );
    return weightedClusters(entries);
  }
  throw configError(
    resource,
    path,
    `cluster_specifier ${action.cluster_specifier ?? 'none'} is not supported by this sidecar yet (cluster, weighted_clusters)`,
  );
}

function compileRetryPolicy(resource: ResourceRef, path: string, policy: RetryPolicy__Output): RetryPolicy {
  rejectUnsupported(resource, path, policy, UNSUPPORTED_RETRY);
  let retryOn = 0;
  for (const name of (policy.retry_on ?? '').split(',')) {
    const trimmed = name.trim();
    if (trimmed === '') continue;
    const bit = RETRY_ON_NAMES.get(trimmed);
    if (bit === undefined)
      throw configError(
        resource,
        `${path}.retry_on`,
        `"${trimmed}" is not supported by this sidecar yet (${[...RETRY_ON_NAMES.keys()].join(', ')})`,
      );
    retryOn |= bit;
  }
  const baseIntervalMs =
    policy.retry_back_off?.base_interval === undefined
      ? DEFAULT_BASE_INTERVAL_MS
      : durationMs(policy.retry_back_off.base_interval);
  if (!(baseIntervalMs > 0)) throw configError(resource, `${path}.retry_back_off.base_interval`, 'must be positive');
  const maxIntervalMs =
    policy.retry_back_off?.max_interval === undefined
      ? baseIntervalMs * 10
      : durationMs(policy.retry_back_off.max_interval);
  if (maxIntervalMs < baseIntervalMs)
    throw configError(resource, `${path}.retry_back_off.max_interval`, 'must not be below base_interval');
  const perTryTimeoutMs = policy.per_try_timeout === undefined ? 0 : durationMs(policy.per_try_timeout);
  if (perTryTimeoutMs < 0) throw configError(resource, `${path}.per_try_timeout`, 'must not be negative');
  return {
    retryOn,
    numRetries: policy.num_retries?.value ?? DEFAULT_NUM_RETRIES,
    retriableStatusCodes: new Set(policy.retriable_status_codes ?? []),
    perTryTimeoutMs,
    baseIntervalMs,
    maxIntervalMs,
    retriableRequestHeaders: (policy.retriable_request_headers ?? []).map((matcher, index) =>
      compileHeaderMatcher(resource, `${path}.retriable_request_headers[${index}]`, matcher),
    ),
  };
}

function compilePrefixRewrite(
  resource: ResourceRef,
  path: string,
  action: RouteAction__Output,
  match: PathMatch,
): PathRewrite | undefined {
  if (action.prefix_rewrite === undefined || action.prefix_rewrite === '') return undefined;
  if (match.kind === 'regex')
    throw configError(resource, `${path}.prefix_rewrite`, 'needs a prefix or path match, not a regex');
  return { matched: match.value, replacement: action.prefix_rewrite };
}

function compileHostRewrite(resource: ResourceRef, path: string, action: RouteAction__Output): string | undefined {
  switch (action.host_rewrite_specifier) {
    case undefined:
      return undefined;
    case 'host_rewrite_literal':
      return action.host_rewrite_literal === '' ? undefined : action.host_rewrite_literal;
    default:
      throw configError(
        resource,
        `${path}.${action.host_rewrite_specifier}`,
        'is not supported by this sidecar yet (host_rewrite_literal)',
      );
  }
}

/** Header edits of one level (route, virtual host or route configuration). */
export interface HeaderEditLevel {
  request_headers_to_add?: HeaderValueOption__Output[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: HeaderValueOption__Output[];
  response_headers_to_remove?: string[];
}

const APPEND_ACTIONS: ReadonlySet<string> = new Set([
  'APPEND_IF_EXISTS_OR_ADD',
  'ADD_IF_ABSENT',
  'OVERWRITE_IF_EXISTS_OR_ADD',
  'OVERWRITE_IF_EXISTS',
]);
// Envoy expands %COMMAND% in header values; this sidecar does not, and says so rather than send
// the command text.
const FORMATTER = /%[A-Z][A-Z0-9_]*(?:\([^)]*\))?(?::\d+)?%/;

/** The levels' edits, most specific first, as one list per direction; undefined when there are none. */
export function compileHeaderEdits(
  levels: ReadonlyArray<readonly [resource: ResourceRef, path: string, level: HeaderEditLevel]>,
  direction: 'request' | 'response',
): HeaderEdits | undefined {
  const remove: string[] = [];
  const add: HeaderAddition[] = [];
  for (const [resource, path, level] of levels) {
    const toRemove = direction === 'request' ? level.request_headers_to_remove : level.response_headers_to_remove;
    const toAdd = direction === 'request' ? level.request_headers_to_add : level.response_headers_to_add;
    for (const name of toRemove ?? []) remove.push(name.toLowerCase());
    (toAdd ?? []).forEach((option, index) => {
      const optionPath = `${path === '' ? '' : `${path}.`}${direction}_headers_to_add[${index}]`;
      const name = (option.header?.key ?? '').toLowerCase();
      const value = option.header?.value ?? '';
      if (name === '' || name.startsWith(':') || name === 'host')
        throw configError(resource, `${optionPath}.header.key`, `"${name}" cannot be edited here`);
      if (FORMATTER.test(value))
        throw configError(
          resource,
          `${optionPath}.header.value`,
          `"${value}": %COMMAND% substitution is not supported by this sidecar yet`,
        );
      let action = option.append_action ?? 'APPEND_IF_EXISTS_OR_ADD';
      // The deprecated append flag, when set, decides between appending and overwriting.
      if (option.append !== undefined)
        action = option.append.value === false ? 'OVERWRITE_IF_EXISTS_OR_ADD' : 'APPEND_IF_EXISTS_OR_ADD';
      if (!APPEND_ACTIONS.has(action))
        throw configError(resource, `${optionPath}.append_action`, `${action} is not known`);
      add.push({ name, value: value.replaceAll('%%', '%'), action });
    });
  }
  return remove.length === 0 && add.length === 0 ? undefined : { remove, add };
}

type TypedConfigs = Record<string, { '@type'?: string; config?: unknown } | undefined>;

/** The route's (or virtual host's) fault config from typed_per_filter_config, if any. */
export function compileFault(
  resource: ResourceRef,
  path: string,
  configs: TypedConfigs | undefined,
): Fault | undefined {
  const config = configs?.[FAULT_FILTER_NAME];
  if (config === undefined) return undefined;
  const faultPath = `${path === '' ? '' : `${path}.`}typed_per_filter_config["${FAULT_FILTER_NAME}"]`;
  if (config['@type'] !== FAULT_TYPE_URL)
    throw configError(resource, faultPath, `expected ${FAULT_TYPE_URL}, got ${config['@type'] ?? 'none'}`);
  const fault = config as HTTPFault__Output;
  rejectUnsupported(resource, faultPath, fault, UNSUPPORTED_FAULT);
  let delayMs = 0;
  let delayPerMillion = 0;
  if (fault.delay !== undefined) {
    if (fault.delay.fault_delay_secifier !== 'fixed_delay' || fault.delay.fixed_delay === undefined)
      throw configError(resource, `${faultPath}.delay`, 'needs fixed_delay (header_delay is not supported)');
    delayMs = durationMs(fault.delay.fixed_delay);
    if (delayMs < 0) throw configError(resource, `${faultPath}.delay.fixed_delay`, 'must not be negative');
    delayPerMillion = fault.delay.percentage === undefined ? 0 : perMillion(fault.delay.percentage);
  }
  let abortStatus = 0;
  let abortPerMillion = 0;
  if (fault.abort !== undefined) {
    if (fault.abort.error_type !== 'http_status')
      throw configError(
        resource,
        `${faultPath}.abort`,
        'needs http_status (grpc_status and header_abort are not supported)',
      );
    abortStatus = fault.abort.http_status ?? 0;
    if (abortStatus < 200 || abortStatus > 599)
      throw configError(resource, `${faultPath}.abort.http_status`, `${abortStatus} is not in 200-599`);
    abortPerMillion = fault.abort.percentage === undefined ? 0 : perMillion(fault.abort.percentage);
  }
  return { delayMs, delayPerMillion, abortStatus, abortPerMillion };
}
