// Circuit breaking for one cluster (circuit_breakers.thresholds, priority DEFAULT): how many
// requests and retries may be in flight at once. It is handed from each compiled version of the
// cluster to the next, so requests admitted under the last version still count under the new one.
//
// Semantics, for HTTP/1.1 upstreams where every request in flight holds one connection:
// - "pending" requests are admitted requests beyond max_connections in flight: the ones that
//   would wait for a connection. So a request is admitted while fewer than
//   max_connections + max_pending_requests are in flight, and fewer than max_requests.
//   (The pools themselves do not cap connections; the limit is enforced here, per cluster.)
// - Retries: fewer than max_retries in flight; with retry_budget instead, fewer than
//   max(min_retry_concurrency, budget_percent % of the requests in flight).
// A refusal is counted: `overflows` (Envoy's upstream_rq_pending_overflow) and `retryOverflows`
// (upstream_rq_retry_overflow).

export interface RetryBudget {
  /** budget_percent, 0-100 (default 20). */
  budgetPercent: number;
  /** min_retry_concurrency (default 3). */
  minRetryConcurrency: number;
}

export interface CircuitBreakerLimits {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
  /** Replaces maxRetries when set. */
  retryBudget: RetryBudget | undefined;
}

// Envoy's defaults.
export const DEFAULT_LIMITS: CircuitBreakerLimits = {
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
  retryBudget: undefined,
};
export const DEFAULT_RETRY_BUDGET: RetryBudget = { budgetPercent: 20, minRetryConcurrency: 3 };

export interface CircuitBreakerStats {
  /** Requests in flight (admitted, not yet released). */
  activeRequests: number;
  /** Retries in flight. */
  activeRetries: number;
  /** Requests refused (max_requests, or max_connections + max_pending_requests). */
  overflows: number;
  /** Retries refused (max_retries or the retry budget). */
  retryOverflows: number;
  /** Retries admitted (upstream_rq_retry). */
  retries: number;
}

export class CircuitBreaker {
  readonly stats: CircuitBreakerStats = {
    activeRequests: 0,
    activeRetries: 0,
    overflows: 0,
    retryOverflows: 0,
    retries: 0,
  };

  constructor(public limits: CircuitBreakerLimits = DEFAULT_LIMITS) {}

  admitRequest(): boolean {
    const { stats, limits } = this;
    if (
      stats.activeRequests >= limits.maxRequests ||
      stats.activeRequests >= limits.maxConnections + limits.maxPendingRequests
    ) {
      stats.overflows++;
      return false;
    }
    stats.activeRequests++;
    return true;
  }

  releaseRequest(): void {
    if (this.stats.activeRequests > 0) this.stats.activeRequests--;
  }

  /** How many retries may be in flight now. */
  get retryLimit(): number {
    const budget = this.limits.retryBudget;
    if (budget === undefined) return this.limits.maxRetries;
    return Math.max(budget.minRetryConcurrency, Math.floor((budget.budgetPercent * this.stats.activeRequests) / 100));
  }

  admitRetry(): boolean {
    if (this.stats.activeRetries >= this.retryLimit) {
      this.stats.retryOverflows++;
      return false;
    }
    this.stats.activeRetries++;
    this.stats.retries++;
    return true;
  }

  releaseRetry(): void {
    if (this.stats.activeRetries > 0) this.stats.activeRetries--;
  }
}
