// What a cluster has learned about one endpoint beyond EDS: outlier ejection and active health
// check state. One per host key per cluster, handed from each compiled version of the cluster to
// the next, so an EDS push neither forgives an ejection nor restarts health check counting.

export class EndpointHealth {
  // Outlier detection.
  isEjected = false;
  /** Times ejected, less one per interval spent back in service: the ejection time multiplier. */
  ejections = 0;
  ejectedAtMs = 0;
  ejectionMs = 0;
  consecutive5xx = 0;
  consecutiveGatewayFailures = 0;

  // Active health checking.
  isFailedActiveHc = false;
  /** Not probed yet since health checking began for it. */
  isPendingActiveHc = false;
  healthCheckSuccesses = 0;
  healthCheckFailures = 0;

  constructor(readonly key: string) {}

  get isAvailable(): boolean {
    return !this.isEjected && !this.isFailedActiveHc;
  }

  /** Back in service: counters start again (Envoy clears them on unejection). */
  uneject(): void {
    this.isEjected = false;
    this.consecutive5xx = 0;
    this.consecutiveGatewayFailures = 0;
  }

  /** Health checking stopped for this endpoint (the cluster's health_checks went away). */
  forgetHealthCheck(): void {
    this.isFailedActiveHc = false;
    this.isPendingActiveHc = false;
    this.healthCheckSuccesses = 0;
    this.healthCheckFailures = 0;
  }
}
