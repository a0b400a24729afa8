// A route's retry policy (Envoy's RetryPolicy), compiled once: which outcomes are retried, how
// often, with what backoff, and for which requests. The upstream request asks it after each
// attempt; the cluster's retry budget has the last word.
import type { IncomingHttpHeaders } from 'node:http';
import { matchesHeaders, type ValueMatcher } from './header-matcher.js';

/** The retry_on conditions this sidecar honours, as bits. */
export const RetryOn = {
  /** Any 5xx, and no response at all (reset, connect failure, per-try timeout). */
  serverError: 1,
  /** 502, 503, 504, and no response at all. */
  gatewayError: 2,
  /** No response at all: reset, connect failure, per-try timeout. */
  reset: 4,
  connectFailure: 8,
  /** 409, the one 4xx Envoy deems retriable. */
  retriable4xx: 16,
  /** The statuses in retriable_status_codes. */
  retriableStatusCodes: 32,
  /** gRPC statuses in a trailers-only answer (Envoy's x-envoy-retry-grpc-on names). */
  grpcCancelled: 64,
  grpcDeadlineExceeded: 128,
  grpcInternal: 256,
  grpcResourceExhausted: 512,
  grpcUnavailable: 1024,
  /** The upstream refused the stream (HTTP/2 REFUSED_STREAM): it did no work. */
  refusedStream: 2048,
} as const;

const GRPC_RETRY_ON =
  RetryOn.grpcCancelled |
  RetryOn.grpcDeadlineExceeded |
  RetryOn.grpcInternal |
  RetryOn.grpcResourceExhausted |
  RetryOn.grpcUnavailable;

/** grpc-status value → its retry_on bit. */
const GRPC_STATUS_BITS: Readonly<Record<string, number>> = {
  '1': RetryOn.grpcCancelled,
  '4': RetryOn.grpcDeadlineExceeded,
  '13': RetryOn.grpcInternal,
  '8': RetryOn.grpcResourceExhausted,
  '14': RetryOn.grpcUnavailable,
};

export const RETRY_ON_NAMES: ReadonlyMap<string, number> = new Map([
  ['5xx', RetryOn.serverError],
  ['gateway-error', RetryOn.gatewayError],
  ['reset', RetryOn.reset],
  ['connect-failure', RetryOn.connectFailure],
  ['refused-stream', RetryOn.refusedStream],
  ['retriable-4xx', RetryOn.retriable4xx],
  ['retriable-status-codes', RetryOn.retriableStatusCodes],
  ['cancelled', RetryOn.grpcCancelled],
  ['deadline-exceeded', RetryOn.grpcDeadlineExceeded],
  ['internal', RetryOn.grpcInternal],
  ['resource-exhausted', RetryOn.grpcResourceExhausted],
  ['unavailable', RetryOn.grpcUnavailable],
]);

/** Why an attempt ended without a response. */
export type AttemptFailure = 'connect-failure' | 'refused-stream' | 'reset' | 'timeout';

export interface RetryPolicy {
  retryOn: number;
  numRetries: number;
  retriableStatusCodes: ReadonlySet<number>;
  /** 0: each attempt may take until the route's timeout. */
  perTryTimeoutMs: number;
  baseIntervalMs: number;
  maxIntervalMs: number;
  /** A request is retried only when these all match (retriable_request_headers); empty: any request. */
  retriableRequestHeaders: readonly ValueMatcher[];
}

export function isRetriableStatus(policy: RetryPolicy, status: number): boolean {
  const on = policy.retryOn;
  if (status >= 500 && on & RetryOn.serverError) return true;
  if ((status === 502 || status === 503 || status === 504) && on & RetryOn.gatewayError) return true;
  if (status === 409 && on & RetryOn.retriable4xx) return true;
  return (on & RetryOn.retriableStatusCodes) !== 0 && policy.retriableStatusCodes.has(status);
}

/** Whether the policy retries on gRPC statuses at all (the response headers need no look otherwise). */
export function retriesOnGrpcStatus(policy: RetryPolicy): boolean {
  return (policy.retryOn & GRPC_RETRY_ON) !== 0;
}

/** `grpcStatus`: the grpc-status of a trailers-only answer (a gRPC error before any message). */
export function isRetriableGrpcStatus(policy: RetryPolicy, grpcStatus: string | string[] | undefined): boolean {
  return typeof grpcStatus === 'string' && (policy.retryOn & (GRPC_STATUS_BITS[grpcStatus] ?? 0)) !== 0;
}

export function isRetriableFailure(policy: RetryPolicy, failure: AttemptFailure): boolean {
  const noResponse = RetryOn.serverError | RetryOn.gatewayError | RetryOn.reset;
  if (failure === 'connect-failure') return (policy.retryOn & (noResponse | RetryOn.connectFailure)) !== 0;
  if (failure === 'refused-stream') return (policy.retryOn & (noResponse | RetryOn.refusedStream)) !== 0;
  return (policy.retryOn & noResponse) !== 0;
}

export function isRetriableRequest(
  policy: RetryPolicy,
  headers: IncomingHttpHeaders,
  method: string | undefined,
): boolean {
  return policy.retriableRequestHeaders.length === 0 || matchesHeaders(policy.retriableRequestHeaders, headers, method);
}

/**
 * Envoy's fully jittered exponential backoff: before retry n (1-based), a random wait in
 * [0, min(base × 2^(n-1), max)).
 */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.baseIntervalMs * 2 ** (retry - 1), policy.maxIntervalMs);
  return Math.floor(random() * ceiling);
}
