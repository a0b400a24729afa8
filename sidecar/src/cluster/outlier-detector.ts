// Outlier detection (passive health checking) for one cluster, as Envoy's consecutive_5xx and
// consecutive_gateway_failure detectors do it:
// - Every 5xx response counts towards consecutive_5xx; 502/503/504 also towards
//   consecutive_gateway_failure. A connect failure or reset counts as a 503 and a timeout as a
//   504 (Envoy without split_external_local_origin_errors). Any other response resets both.
// - Reaching a threshold ejects the endpoint with probability enforcing_consecutive_5xx (default
//   100) or enforcing_consecutive_gateway_failure (default 0) percent, and resets that counter.
// - max_ejection_percent (pinned Envoy API, outlier_detection.proto): the ejection goes ahead only
//   if (ejected + 1) / endpoints stays within it, or, with always_eject_one_host, none is ejected yet.
// - The ejection lasts base_ejection_time × times ejected, capped at max_ejection_time (default
//   300 s, or base_ejection_time if larger). Every `interval` a sweep returns endpoints whose time
//   is up, and for each endpoint in service lowers its times-ejected multiplier by one.
// Ejections are decided on outcomes, inline; the sweep timer is unref'd. State lives in each
// endpoint's EndpointHealth, so it survives config versions.
import type { AttemptOutcome } from './attempt-outcome.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';
import type { EndpointHealth } from './endpoint-health.js';

export interface OutlierDetectionConfig {
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  /** Percent, 0-100. */
  enforcingConsecutive5xx: number;
  enforcingConsecutiveGatewayFailure: number;
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionTimeMs: number;
  /** Percent, 0-100. */
  maxEjectionPercent: number;
  alwaysEjectOneHost: boolean;
  /** successful_active_health_check_uneject_host (default true). */
  healthCheckUnejects: boolean;
}

export const DEFAULT_OUTLIER_DETECTION: OutlierDetectionConfig = {
  consecutive5xx: 5,
  consecutiveGatewayFailure: 5,
  enforcingConsecutive5xx: 100,
  enforcingConsecutiveGatewayFailure: 0,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 10,
  alwaysEjectOneHost: false,
  healthCheckUnejects: true,
};

export interface OutlierDetectionStats {
  /** Ejections carried out (ejections_enforced_total). */
  ejections: number;
  /** Ejections max_ejection_percent prevented (ejections_overflow). */
  ejectionOverflows: number;
}

export class OutlierDetector {
  readonly stats: OutlierDetectionStats = { ejections: 0, ejectionOverflows: 0 };
  #endpoints: readonly ClusterEndpoint[] = [];
  #onChange: () => void = () => undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    public config: OutlierDetectionConfig,
    readonly now: () => number = Date.now,
    readonly random: () => number = Math.random,
  ) {}

  /** The endpoints to watch, and whom to tell when one is ejected or returns. Starts the sweep. */
  attach(endpoints: readonly ClusterEndpoint[], onChange: () => void, config = this.config): void {
    this.#endpoints = endpoints;
    this.#onChange = onChange;
    if (this.#timer !== undefined && config.intervalMs !== this.config.intervalMs) this.close();
    this.config = config;
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.sweep(), config.intervalMs);
      this.#timer.unref();
    }
  }

  /** How an attempt on an endpoint of the attached set ended. */
  record(health: EndpointHealth, outcome: AttemptOutcome): void {
    const status = outcome.kind === 'response' ? outcome.status : outcome.kind === 'timeout' ? 504 : 503;
    if (status < 500) {
      health.consecutive5xx = 0;
      health.consecutiveGatewayFailures = 0;
      return;
    }
    if (health.isEjected) return;
    const { config } = this;
    if (status >= 502 && status <= 504) {
      if (++health.consecutiveGatewayFailures >= config.consecutiveGatewayFailure) {
        health.consecutiveGatewayFailures = 0;
        if (this.#eject(health, config.enforcingConsecutiveGatewayFailure)) return;
      }
    } else {
      health.consecutiveGatewayFailures = 0;
    }
    if (++health.consecutive5xx >= config.consecutive5xx) {
      health.consecutive5xx = 0;
      this.#eject(health, config.enforcingConsecutive5xx);
    }
  }

  /** The interval sweep: returns endpoints whose ejection time is up. */
  sweep(): void {
    const now = this.now();
    let isChanged = false;
    for (const endpoint of this.#endpoints) {
      const health = endpoint.health;
      if (health === undefined) continue;
      if (health.isEjected) {
        if (now - health.ejectedAtMs >= health.ejectionMs) {
          health.uneject();
          isChanged = true;
        }
      } else if (health.ejections > 0) {
        health.ejections--;
      }
    }
    if (isChanged) this.#onChange();
  }

  /** A passing active health check returns an ejected endpoint (successful_active_health_check_uneject_host). */
  onHealthCheckSuccess(health: EndpointHealth): boolean {
    if (!health.isEjected || !this.config.healthCheckUnejects) return false;
    health.uneject();
    health.ejections = 0;
    return true;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #eject(health: EndpointHealth, enforcingPercent: number): boolean {
    if (!(this.random() * 100 < enforcingPercent)) return false;
    let ejected = 0;
    for (const endpoint of this.#endpoints) if (endpoint.health?.isEjected === true) ejected++;
    const total = this.#endpoints.length;
    const isWithinLimit =
      (100 * (ejected + 1)) / total <= this.config.maxEjectionPercent ||
      (this.config.alwaysEjectOneHost && ejected === 0);
    if (!isWithinLimit) {
      this.stats.ejectionOverflows++;
      return false;
    }
    const { baseEjectionTimeMs, maxEjectionTimeMs } = this.config;
    health.ejections++;
    health.isEjected = true;
    health.ejectedAtMs = this.now();
    health.ejectionMs = Math.min(
      baseEjectionTimeMs * health.ejections,
      Math.max(maxEjectionTimeMs, baseEjectionTimeMs),
    );
    health.consecutive5xx = 0;
    health.consecutiveGatewayFailures = 0;
    this.stats.ejections++;
    this.#onChange();
    return true;
  }
}
