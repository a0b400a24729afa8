// Compiles envoy.filters.http.local_ratelimit: its config in the listener's http_filters (for
// every route) or in a route's typed_per_filter_config (for that route), and the route's
// rate_limits actions that make descriptors of request headers.
import type { RateLimit__Output } from '../../../proto/gen/envoy/config/route/v3/RateLimit.js';
import type { LocalRateLimit__Output } from '../../../proto/gen/envoy/extensions/filters/http/local_ratelimit/v3/LocalRateLimit.js';
import type { TokenBucket__Output } from '../../../proto/gen/envoy/type/v3/TokenBucket.js';
import { LocalRateLimiter, type DescriptorLimit, type DescriptorSource } from '../filters/local-rate-limit.js';
import type { TokenBucketConfig } from '../filters/token-bucket.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { durationMs, perMillion } from './duration.js';

export const LOCAL_RATE_LIMIT_FILTER_NAME = 'envoy.filters.http.local_ratelimit';
export const LOCAL_RATE_LIMIT_TYPE_URL =
  'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';

const UNSUPPORTED_LOCAL_RATE_LIMIT: UnsupportedFields = [
  ['response_headers_to_add', 'response_headers_to_add'],
  ['request_headers_to_add_when_not_enforced', 'request_headers_to_add_when_not_enforced'],
  ['local_rate_limit_per_downstream_connection', 'per-connection buckets'],
  ['vh_rate_limits', 'virtual host rate limit actions'],
  ['always_consume_default_token_bucket', 'always_consume_default_token_bucket'],
  ['local_cluster_rate_limit', 'cluster-wide sharing of the quota'],
];

const REFUSAL_STATUSES: Readonly<Record<string, number>> = { TooManyRequests: 429, ServiceUnavailable: 503 };

/** `config` is the decoded Any; undefined when the filter has no config of its own. */
export function compileLocalRateLimit(
  resource: ResourceRef,
  path: string,
  config: LocalRateLimit__Output & { '@type'?: string },
  actions: readonly RateLimit__Output[] | undefined,
  actionsPath: string,
): LocalRateLimiter {
  if (config['@type'] !== LOCAL_RATE_LIMIT_TYPE_URL)
    throw configError(resource, path, `expected ${LOCAL_RATE_LIMIT_TYPE_URL}, got ${config['@type'] ?? 'none'}`);
  rejectUnsupported(resource, path, config, UNSUPPORTED_LOCAL_RATE_LIMIT);
  const descriptors = (config.descriptors ?? []).map((descriptor, index): DescriptorLimit => {
    const descriptorPath = `${path}.descriptors[${index}]`;
    const entries = descriptor.entries ?? [];
    if (entries.length !== 1)
      throw configError(
        resource,
        `${descriptorPath}.entries`,
        `this sidecar supports descriptors of one entry, got ${entries.length}`,
      );
    if (descriptor.token_bucket === undefined)
      throw configError(resource, `${descriptorPath}.token_bucket`, 'is required');
    return {
      key: entries[0]?.key ?? '',
      value: entries[0]?.value ?? '',
      bucket: compileBucket(resource, `${descriptorPath}.token_bucket`, descriptor.token_bucket),
    };
  });
  const statusName = config.status?.code ?? 'TooManyRequests';
  const status = REFUSAL_STATUSES[statusName];
  if (status === undefined)
    throw configError(
      resource,
      `${path}.status.code`,
      `${statusName} is not supported by this sidecar (${Object.keys(REFUSAL_STATUSES).join(', ')})`,
    );
  return new LocalRateLimiter({
    bucket:
      config.token_bucket === undefined
        ? undefined
        : compileBucket(resource, `${path}.token_bucket`, config.token_bucket),
    descriptors,
    sources: compileSources(resource, actionsPath, actions ?? []),
    // Envoy: without filter_enabled the filter looks at no request at all.
    enabledPerMillion:
      config.filter_enabled?.default_value === undefined ? 0 : perMillion(config.filter_enabled.default_value),
    enforcedPerMillion:
      config.filter_enforced?.default_value === undefined ? 0 : perMillion(config.filter_enforced.default_value),
    rateLimitHeaders: config.enable_x_ratelimit_headers === 'DRAFT_VERSION_03',
    status,
  });
}

function compileBucket(resource: ResourceRef, path: string, bucket: TokenBucket__Output): TokenBucketConfig {
  const maxTokens = bucket.max_tokens ?? 0;
  if (maxTokens < 1) throw configError(resource, `${path}.max_tokens`, 'must be at least 1');
  const fillIntervalMs = bucket.fill_interval === undefined ? 0 : durationMs(bucket.fill_interval);
  if (!(fillIntervalMs > 0)) throw configError(resource, `${path}.fill_interval`, 'must be positive');
  return { maxTokens, tokensPerFill: bucket.tokens_per_fill?.value ?? 1, fillIntervalMs };
}

function compileSources(
  resource: ResourceRef,
  path: string,
  rateLimits: readonly RateLimit__Output[],
): DescriptorSource[] {
  const sources: DescriptorSource[] = [];
  rateLimits.forEach((rateLimit, index) => {
    (rateLimit.actions ?? []).forEach((action, actionIndex) => {
      const actionPath = `${path}[${index}].actions[${actionIndex}]`;
      if (action.action_specifier !== 'request_headers' || action.request_headers === undefined) {
        throw configError(
          resource,
          actionPath,
          `${action.action_specifier ?? 'no action'} is not supported by this sidecar yet (request_headers)`,
        );
      }
      const header = (action.request_headers.header_name ?? '').toLowerCase();
      if (header === '') throw configError(resource, `${actionPath}.request_headers.header_name`, 'is required');
      sources.push({ header, descriptorKey: action.request_headers.descriptor_key ?? '' });
    });
  });
  return sources;
}
