// Checks a cluster's circuit_breakers: the DEFAULT priority's thresholds and retry budget.
import type { CircuitBreakers__Output } from '../../../proto/gen/envoy/config/cluster/v3/CircuitBreakers.js';
import { DEFAULT_LIMITS, DEFAULT_RETRY_BUDGET, type CircuitBreakerLimits } from '../cluster/circuit-breaker.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';

const UNSUPPORTED_THRESHOLDS: UnsupportedFields = [
  ['track_remaining', 'remaining-capacity stats'],
  ['max_connection_pools', 'max_connection_pools'],
];

export function checkCircuitBreakers(
  resource: ResourceRef,
  breakers: CircuitBreakers__Output | undefined,
): CircuitBreakerLimits {
  if (breakers === undefined) return DEFAULT_LIMITS;
  if ((breakers.per_host_thresholds ?? []).length > 0)
    throw configError(
      resource,
      'circuit_breakers.per_host_thresholds',
      'not supported by this sidecar yet (per-host limits)',
    );
  let limits: CircuitBreakerLimits | undefined;
  (breakers.thresholds ?? []).forEach((thresholds, index) => {
    const path = `circuit_breakers.thresholds[${index}]`;
    const priority = thresholds.priority ?? 'DEFAULT';
    if (priority !== 'DEFAULT')
      throw configError(
        resource,
        `${path}.priority`,
        `${priority} is not supported by this sidecar yet (endpoint priorities; DEFAULT only)`,
      );
    if (limits !== undefined) throw configError(resource, `${path}.priority`, 'DEFAULT has thresholds already');
    rejectUnsupported(resource, path, thresholds, UNSUPPORTED_THRESHOLDS);
    const budget = thresholds.retry_budget;
    let retryBudget: CircuitBreakerLimits['retryBudget'];
    if (budget !== undefined) {
      const budgetPercent =
        budget.budget_percent === undefined
          ? DEFAULT_RETRY_BUDGET.budgetPercent
          : Number(budget.budget_percent.value ?? 0);
      if (!(budgetPercent >= 0 && budgetPercent <= 100))
        throw configError(resource, `${path}.retry_budget.budget_percent`, 'must be in 0-100');
      retryBudget = {
        budgetPercent,
        minRetryConcurrency:
          budget.min_retry_concurrency === undefined
            ? DEFAULT_RETRY_BUDGET.minRetryConcurrency
            : (budget.min_retry_concurrency.value ?? 0),
      };
    }
    limits = {
      maxConnections:
        thresholds.max_connections === undefined
          ? DEFAULT_LIMITS.maxConnections
          : (thresholds.max_connections.value ?? 0),
      maxPendingRequests:
        thresholds.max_pending_requests === undefined
          ? DEFAULT_LIMITS.maxPendingRequests
          : (thresholds.max_pending_requests.value ?? 0),
      maxRequests:
        thresholds.max_requests === undefined ? DEFAULT_LIMITS.maxRequests : (thresholds.max_requests.value ?? 0),
      maxRetries:
        thresholds.max_retries === undefined ? DEFAULT_LIMITS.maxRetries : (thresholds.max_retries.value ?? 0),
      retryBudget,
    };
  });
  return limits ?? DEFAULT_LIMITS;
}
