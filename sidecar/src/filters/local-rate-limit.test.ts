import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalRateLimiter, type LocalRateLimitConfig } from './local-rate-limit.js';

const ALL = 1_000_000;

function limiter(overrides: Partial<LocalRateLimitConfig>, clock: { now: number }): LocalRateLimiter {
  const config: LocalRateLimitConfig = {
    bucket: { maxTokens: 3, tokensPerFill: 3, fillIntervalMs: 1000 },
    descriptors: [],
    sources: [],
    enabledPerMillion: ALL,
    enforcedPerMillion: ALL,
    rateLimitHeaders: true,
    status: 429,
    ...overrides,
  };
  return new LocalRateLimiter(config, () => clock.now);
}

function passed(rateLimiter: LocalRateLimiter, count: number, headers: Record<string, string> = {}): number {
  let passes = 0;
  for (let i = 0; i < count; i++) if (rateLimiter.check(headers) === undefined) passes++;
  return passes;
}

describe('local rate limit', () => {
  it('lets exactly the bucket through per fill interval, then refills', () => {
    const clock = { now: 0 };
    const rateLimiter = limiter({}, clock);
    assert.equal(passed(rateLimiter, 10), 3);
    clock.now = 999;
    assert.equal(passed(rateLimiter, 10), 0);
    clock.now = 1000;
    assert.equal(passed(rateLimiter, 10), 3);
  });

  it('refuses with 429, retry-after and the x-ratelimit headers', () => {
    const clock = { now: 0 };
    const rateLimiter = limiter({}, clock);
    passed(rateLimiter, 3);
    clock.now = 200;
    assert.deepEqual(rateLimiter.check({}), {
      status: 429,
      headers: {
        'retry-after': '1',
        'x-envoy-ratelimited': 'true',
        'x-ratelimit-limit': '3',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '1',
      },
    });
  });

  it('gives each value of a keyed descriptor its own bucket', () => {
    const clock = { now: 0 };
    const rateLimiter = limiter(
      {
        bucket: undefined,
        descriptors: [{ key: 'source', value: '', bucket: { maxTokens: 2, tokensPerFill: 2, fillIntervalMs: 1000 } }],
        sources: [{ header: 'x-pilotfish-source', descriptorKey: 'source' }],
      },
      clock,
    );
    assert.equal(passed(rateLimiter, 5, { 'x-pilotfish-source': 'frontend' }), 2);
    assert.equal(passed(rateLimiter, 5, { 'x-pilotfish-source': 'batch' }), 2);
    assert.equal(passed(rateLimiter, 5), 5, 'without the key and without a default bucket, requests pass');
  });

  it('uses a descriptor with a fixed value for that value only, the default bucket for the rest', () => {
    const clock = { now: 0 };
    const rateLimiter = limiter(
      {
        descriptors: [{ key: 'plan', value: 'free', bucket: { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 1000 } }],
        sources: [{ header: 'x-plan', descriptorKey: 'plan' }],
      },
      clock,
    );
    assert.equal(passed(rateLimiter, 5, { 'x-plan': 'free' }), 1);
    assert.equal(passed(rateLimiter, 5, { 'x-plan': 'paid' }), 3);
  });

  it('looks at no request when the filter is not enabled, and only counts when not enforced', () => {
    const clock = { now: 0 };
    assert.equal(passed(limiter({ enabledPerMillion: 0 }, clock), 10), 10);
    assert.equal(passed(limiter({ enforcedPerMillion: 0 }, clock), 10), 10);
  });
});
