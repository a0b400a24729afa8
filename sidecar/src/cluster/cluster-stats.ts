// A cluster's counters for /clusters and metrics: one object, handed from each version of the
// cluster to the next, so counts survive config changes.

/** The cluster's counters for /clusters and metrics; one object for every version of the cluster. */
export interface ClusterStats {
  /** Requests in flight. */
  activeRequests: number;
  activeRetries: number;
  /** Requests refused by circuit breaking (upstream_rq_pending_overflow). */
  overflows: number;
  /** Retries refused by max_retries or the retry budget (upstream_rq_retry_overflow). */
  retryOverflows: number;
  /** Retries sent (upstream_rq_retry). */
  retries: number;
  /** Outlier ejections carried out (outlier_detection.ejections_enforced_total). */
  ejections: number;
  /** Ejections max_ejection_percent prevented (outlier_detection.ejections_overflow). */
  ejectionOverflows: number;
  /** Endpoints ejected now (outlier_detection.ejections_active). */
  ejectionsActive: number;
  /** Active health check probes sent, passed and failed (health_check.attempt|success|failure). */
  healthCheckAttempts: number;
  healthCheckSuccesses: number;
  healthCheckFailures: number;
  /** Endpoints a balancer may pick now (membership_healthy). */
  availableEndpoints: number;
}

export function newStats(): ClusterStats {
  return {
    activeRequests: 0,
    activeRetries: 0,
    overflows: 0,
    retryOverflows: 0,
    retries: 0,
    ejections: 0,
    ejectionOverflows: 0,
    ejectionsActive: 0,
    healthCheckAttempts: 0,
    healthCheckSuccesses: 0,
    healthCheckFailures: 0,
    availableEndpoints: 0,
  };
}
