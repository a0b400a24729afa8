import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker, DEFAULT_LIMITS } from './circuit-breaker.js';

function admitted(breaker: CircuitBreaker, count: number): number {
  let admitted = 0;
  for (let i = 0; i < count; i++) if (breaker.admitRequest()) admitted++;
  return admitted;
}

describe('circuit breaker', () => {
  it('admits up to max_requests, refuses the rest, and admits again after a release', () => {
    const breaker = new CircuitBreaker({ ...DEFAULT_LIMITS, maxRequests: 3 });
    assert.equal(admitted(breaker, 5), 3);
    assert.equal(breaker.stats.overflows, 2);
    breaker.releaseRequest();
    assert.equal(breaker.admitRequest(), true);
    assert.equal(breaker.admitRequest(), false);
  });

  it('admits max_connections plus max_pending_requests (pending: waiting for a connection)', () => {
    const breaker = new CircuitBreaker({
      ...DEFAULT_LIMITS,
      maxConnections: 2,
      maxPendingRequests: 1,
      maxRequests: 100,
    });
    assert.equal(admitted(breaker, 10), 3);
    assert.equal(breaker.stats.activeRequests, 3);
  });

  it('limits retries in flight to max_retries', () => {
    const breaker = new CircuitBreaker({ ...DEFAULT_LIMITS, maxRetries: 2 });
    assert.deepEqual([breaker.admitRetry(), breaker.admitRetry(), breaker.admitRetry()], [true, true, false]);
    assert.equal(breaker.stats.retryOverflows, 1);
    breaker.releaseRetry();
    assert.equal(breaker.admitRetry(), true);
  });

  it('with a retry budget, allows max(min_retry_concurrency, budget_percent of requests in flight)', () => {
    const breaker = new CircuitBreaker({
      ...DEFAULT_LIMITS,
      maxRetries: 0,
      retryBudget: { budgetPercent: 20, minRetryConcurrency: 3 },
    });
    assert.equal(breaker.retryLimit, 3, 'the minimum with nothing in flight');
    admitted(breaker, 50);
    assert.equal(breaker.retryLimit, 10, '20% of 50');
    let retries = 0;
    while (breaker.admitRetry()) retries++;
    assert.equal(retries, 10);
  });

  it('never counts below zero on stray releases', () => {
    const breaker = new CircuitBreaker();
    breaker.releaseRequest();
    breaker.releaseRetry();
    assert.deepEqual([breaker.stats.activeRequests, breaker.stats.activeRetries], [0, 0]);
  });
});
