// Objects of the request path as the router builds them, for layer tests: a request on its way down
// a route's stack, and a rate limiter that lets one request through per minute.
import type { Cluster } from '../src/cluster/cluster.js';
import { LocalRateLimiter } from '../src/filters/local-rate-limit.js';
import type { ForwardedRequest } from '../src/route/forwarded-request.js';

export function forwardedRequest(cluster: Cluster, overrides: Partial<ForwardedRequest> = {}): ForwardedRequest {
  return {
    cluster,
    method: 'GET',
    path: '/',
    headers: ['host', cluster.name],
    body: null,
    isDownstreamHttp2: false,
    hashKey: undefined,
    attempts: 0,
    previous: undefined,
    record: undefined,
    timeoutMs: 0,
    isGrpcDeadline: false,
    mayRetry: false,
    mirrorTo: undefined,
    ...overrides,
  };
}

export function onePerMinute(): LocalRateLimiter {
  return new LocalRateLimiter({
    bucket: { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 60_000 },
    descriptors: [],
    sources: [],
    enabledPerMillion: 1_000_000,
    enforcedPerMillion: 1_000_000,
    rateLimitHeaders: false,
    status: 429,
  });
}
