// The local rate limit filter (envoy.filters.http.local_ratelimit) of one route or listener: a
// token bucket for all requests, or a bucket per descriptor — a value taken from the request (a
// header, such as the calling service's x-pilotfish-source) — so each key gets its own quota. A
// descriptor entry with an empty value means one bucket per distinct value, as Envoy's dynamic
// descriptors do; those buckets are capped in number, the least recently made going first.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { TokenBucket, type TokenBucketConfig } from './token-bucket.js';

/** How a route's rate_limits action reads one descriptor entry from a request. */
export interface DescriptorSource {
  /** Lowercase header name. */
  header: string;
  descriptorKey: string;
}

export interface DescriptorLimit {
  key: string;
  /** Empty: a bucket per distinct value. */
  value: string;
  bucket: TokenBucketConfig;
}

export interface LocalRateLimitConfig {
  /** For all requests that no descriptor limit takes; undefined: those pass. */
  bucket: TokenBucketConfig | undefined;
  descriptors: readonly DescriptorLimit[];
  sources: readonly DescriptorSource[];
  /** Parts per million of requests the filter looks at, and of those, the share it refuses when over. */
  enabledPerMillion: number;
  enforcedPerMillion: number;
  /** Answer with x-ratelimit-limit, -remaining and -reset (enable_x_ratelimit_headers). */
  rateLimitHeaders: boolean;
  status: number;
}

/** The refusal to answer with, when the request is over its quota. */
export interface RateLimited {
  status: number;
  headers: OutgoingHttpHeaders;
}

const MAX_DYNAMIC_BUCKETS = 10_000;

export class LocalRateLimiter {
  readonly #shared: TokenBucket | undefined;
  readonly #fixed = new Map<string, TokenBucket>();
  readonly #dynamic = new Map<string, TokenBucket>();

  constructor(
    readonly config: LocalRateLimitConfig,
    readonly clock: () => number = Date.now,
    readonly random: () => number = Math.random,
  ) {
    const now = clock();
    this.#shared = config.bucket === undefined ? undefined : new TokenBucket(config.bucket, now);
    for (const limit of config.descriptors)
      if (limit.value !== '') this.#fixed.set(`${limit.key}=${limit.value}`, new TokenBucket(limit.bucket, now));
  }

  /** Undefined when the request may pass; takes a token when it does. */
  check(headers: IncomingHttpHeaders): RateLimited | undefined {
    const { config } = this;
    if (config.enabledPerMillion < 1_000_000 && this.random() * 1_000_000 >= config.enabledPerMillion) return undefined;
    const now = this.clock();
    const bucket = this.#bucketFor(headers, now);
    if (bucket === undefined || bucket.take(now)) return undefined;
    if (config.enforcedPerMillion < 1_000_000 && this.random() * 1_000_000 >= config.enforcedPerMillion)
      return undefined;
    const resetSeconds = Math.max(1, Math.ceil(bucket.untilNextFill(now) / 1000));
    const refusal: OutgoingHttpHeaders = { 'retry-after': String(resetSeconds), 'x-envoy-ratelimited': 'true' };
    if (config.rateLimitHeaders) {
      refusal['x-ratelimit-limit'] = String(bucket.config.maxTokens);
      refusal['x-ratelimit-remaining'] = '0';
      refusal['x-ratelimit-reset'] = String(resetSeconds);
    }
    return { status: config.status, headers: refusal };
  }

  #bucketFor(headers: IncomingHttpHeaders, now: number): TokenBucket | undefined {
    for (const source of this.config.sources) {
      const raw = headers[source.header];
      if (raw === undefined) continue;
      const value = Array.isArray(raw) ? raw.join(',') : raw;
      const fixed = this.#fixed.get(`${source.descriptorKey}=${value}`);
      if (fixed !== undefined) return fixed;
      const limit = this.config.descriptors.find(
        (descriptor) => descriptor.key === source.descriptorKey && descriptor.value === '',
      );
      if (limit !== undefined) return this.#dynamicBucket(`${source.descriptorKey}=${value}`, limit.bucket, now);
    }
    return this.#shared;
  }

  #dynamicBucket(key: string, config: TokenBucketConfig, now: number): TokenBucket {
    let bucket = this.#dynamic.get(key);
    if (bucket === undefined) {
      if (this.#dynamic.size >= MAX_DYNAMIC_BUCKETS) this.#dynamic.delete(this.#dynamic.keys().next().value as string);
      bucket = new TokenBucket(config, now);
      this.#dynamic.set(key, bucket);
    }
    return bucket;
  }
}
