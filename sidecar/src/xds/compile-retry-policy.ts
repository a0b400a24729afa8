// Compiles a route's (or virtual host's) RetryPolicy: which outcomes are retried, how often, with
// what backoff and per-try timeout, and for which requests.
import type { RetryPolicy__Output } from '../../../proto/gen/envoy/config/route/v3/RetryPolicy.js';
import { RETRY_ON_NAMES, type RetryPolicy } from '../http/retry-policy.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { compileHeaderMatcher } from './compile-matchers.js';
import { durationMs } from './duration.js';

const UNSUPPORTED_RETRY: UnsupportedFields = [
  ['retry_priority', 'retry priorities'],
  ['retry_host_predicate', 'retry host predicates (a retry always prefers another endpoint)'],
  ['retriable_headers', 'retriable response headers'],
  ['rate_limited_retry_back_off', 'rate-limited backoff'],
  ['retry_options_predicates', 'retry options predicates'],
  ['per_try_idle_timeout', 'per-try idle timeouts'],
];
// Envoy's defaults: one retry, backoff from 25 ms up to ten times that.
const DEFAULT_NUM_RETRIES = 1;
const DEFAULT_BASE_INTERVAL_MS = 25;

/** Undefined for a policy that retries on nothing (one that only overrides its virtual host's). */
export function compileRetryPolicy(
  resource: ResourceRef,
  path: string,
  policy: RetryPolicy__Output,
): RetryPolicy | undefined {
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
  if (retryOn === 0) return undefined;
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
