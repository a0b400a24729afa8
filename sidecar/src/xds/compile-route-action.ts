// Compiles a route's RouteAction into what the router does with a matched request. Anything this
// sidecar would not honour is an XdsConfigError naming the field.
import type { RouteAction__Output } from '../../../proto/gen/envoy/config/route/v3/RouteAction.js';
import { singleCluster, weightedClusters, type ClusterChoice } from '../router/cluster-choice.js';
import type { HashPolicy } from '../router/hash-policy.js';
import type { MirrorPolicy, PathRewrite, RouteAction } from '../router/route-action.js';
import type { PathMatch } from '../router/route-matcher.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { compileRetryPolicy } from './compile-retry-policy.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import { routeStack } from '../route/route-stack.js';
import { durationMs, perMillion } from './duration.js';

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
export function compileRouteAction(
  resource: ResourceRef,
  path: string,
  action: RouteAction__Output,
  match: PathMatch,
  inheritedRetry: RetryPolicy | undefined,
): RouteAction {
  rejectUnsupported(resource, path, action, UNSUPPORTED_ROUTE_ACTION);
  const timeoutMs = action.timeout === undefined ? 0 : durationMs(action.timeout);
  if (timeoutMs < 0) throw configError(resource, `${path}.timeout`, 'must not be negative');
  // A route's own retry policy replaces its virtual host's whole, as Envoy's.
  const retry =
    action.retry_policy === undefined
      ? inheritedRetry
      : compileRetryPolicy(resource, `${path}.retry_policy`, action.retry_policy);
  const mirrors = compileMirrors(resource, path, action);
  return {
    clusters: compileClusterChoice(resource, path, action),
    timeoutMs,
    retry,
    prefixRewrite: compilePrefixRewrite(resource, path, action, match),
    hostRewrite: compileHostRewrite(resource, path, action),
    requestHeaders: undefined,
    responseHeaders: undefined,
    filterConfig: { routeName: '', rateLimit: undefined, fault: undefined },
    mirrors,
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
    dispatch: routeStack(retry, mirrors.length > 0),
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

function compileMirrors(resource: ResourceRef, path: string, action: RouteAction__Output): MirrorPolicy[] {
  return (action.request_mirror_policies ?? []).map((policy, index): MirrorPolicy => {
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
  });
}
