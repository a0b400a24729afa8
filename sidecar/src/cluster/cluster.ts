// A cluster on the request path: its endpoints, the balancer that picks one per attempt, and the
// cluster's limits and bookkeeping the router consults around each attempt. The router owns the
// request (timeouts, retries, the upstream exchange); the cluster only answers "which endpoint",
// "may this request or retry start" and hears how each attempt ended.
//
// One Cluster is compiled per config version; the next version's Cluster takes over this one's
// circuit breaker counts, endpoint health (ejections, health check state, by host key), outlier
// detector and health checker. Requests still running on the old one keep working: their
// releases reach the shared breaker and their outcomes are passed on to the newest version.
// Availability (EDS health, ejection, health checks, locality preference) is worked out when it
// changes, and the balancer rebuilt over the available endpoints; picking allocates nothing.
import type { AttemptOutcome } from './attempt-outcome.js';
import { isAvailable, type ClusterEndpoint, type EndpointPick } from './cluster-endpoint.js';
import { newStats, type ClusterStats } from './cluster-stats.js';
import { CircuitBreaker, DEFAULT_LIMITS, type CircuitBreakerLimits } from './circuit-breaker.js';
import { EndpointHealth } from './endpoint-health.js';
import { NO_ENDPOINT, OVERFLOW, type PickResult } from './endpoint-pick.js';
import { HealthChecker, type HealthCheckConfig } from './health-checker.js';
import type { LoadBalancer, LoadBalancerFactory } from './load-balancer.js';
import { OutlierDetector, type OutlierDetectionConfig } from './outlier-detector.js';
import { RoundRobin } from './round-robin.js';

/** What a cluster needs to know of the sidecar it runs in. */
export interface ClusterContext {
  /** The sidecar's own zone (topology.kubernetes.io/zone), for locality preference. */
  localZone: string | undefined;
}

/**
 * The protocol a cluster speaks to its endpoints (HttpProtocolOptions): HTTP/1.1, HTTP/2 (h2c),
 * or the one the request came in with (use_downstream_protocol_config).
 */
export type UpstreamProtocol = 'http1' | 'http2' | 'downstream';

/** A cluster's traffic policy, checked (compile-clusters.ts). */
export interface ClusterPolicy {
  protocol: UpstreamProtocol;
  loadBalancer: LoadBalancerFactory;
  /**
   * common_lb_config.zone_aware_lb_config: with the sidecar's zone known and at least one
   * available endpoint in it, pick only among the available endpoints of that zone.
   */
  isZoneAware: boolean;
  limits: CircuitBreakerLimits;
  outlierDetection: OutlierDetectionConfig | undefined;
  healthCheck: HealthCheckConfig | undefined;
}

export const DEFAULT_POLICY: ClusterPolicy = {
  protocol: 'http1',
  loadBalancer: (endpoints, previous) =>
    new RoundRobin(endpoints, previous instanceof RoundRobin ? previous : undefined),
  isZoneAware: false,
  limits: DEFAULT_LIMITS,
  outlierDetection: undefined,
  healthCheck: undefined,
};

/** For tests: the clock and random source outlier detection uses. */
export interface ClusterClock {
  now: () => number;
  random: () => number;
}

export class Cluster {
  readonly #policy: ClusterPolicy;
  readonly protocol: UpstreamProtocol;
  readonly #context: ClusterContext;
  readonly #breaker: CircuitBreaker;
  /** Each endpoint's health by host key, when the policy tracks it (outlier detection, health checks). */
  readonly #health = new Map<string, EndpointHealth>();
  #detector: OutlierDetector | undefined;
  #checker: HealthChecker | undefined;
  #balancer: LoadBalancer;
  #available: readonly ClusterEndpoint[] = [];
  /** The version that took over from this one. */
  #successor: Cluster | undefined;
  #isClosed = false;

  constructor(
    readonly name: string,
    readonly endpoints: readonly ClusterEndpoint[],
    policy: ClusterPolicy = DEFAULT_POLICY,
    context: ClusterContext = { localZone: undefined },
    previous?: Cluster,
    clock: ClusterClock = { now: Date.now, random: Math.random },
  ) {
    this.#policy = policy;
    this.protocol = policy.protocol;
    this.#context = context;
    // A previous version that was replaced already (its successor rejected) hands over nothing.
    const from =
      previous !== undefined && previous.#successor === undefined && !previous.#isClosed
        ? previous.#handOver()
        : undefined;
    // Without outlier detection or health checks nothing ejects or fails an endpoint: it needs no
    // health of its own (a sidecar holds every endpoint of the mesh), and a version that tracks it
    // again starts afresh.
    const tracksHealth = policy.outlierDetection !== undefined || policy.healthCheck !== undefined;
    for (const endpoint of endpoints) {
      if (tracksHealth) {
        endpoint.health ??= from?.health.get(endpoint.host.key) ?? new EndpointHealth(endpoint.host.key);
        this.#health.set(endpoint.host.key, endpoint.health);
      }
      // Each endpoint's pick is built with the cluster: picking allocates nothing.
      endpoint.pick = new ClusterPick(endpoint, this);
    }
    this.#breaker = from?.breaker ?? new CircuitBreaker();
    this.#breaker.limits = policy.limits;

    if (policy.outlierDetection !== undefined) {
      this.#detector = from?.detector ?? new OutlierDetector(policy.outlierDetection, clock.now, clock.random);
      this.#detector.attach(endpoints, () => this.#rebuild(), policy.outlierDetection);
    } else {
      from?.detector?.close();
      // Health checks alone eject nothing, and nothing would return an ejected endpoint.
      for (const health of this.#health.values()) health.uneject();
    }

    if (policy.healthCheck !== undefined) {
      const isWarm = from !== undefined && from.checker === undefined;
      this.#checker = from?.checker ?? new HealthChecker(policy.healthCheck);
      this.#checker.attach(
        endpoints,
        (health, isPass, isChanged) => this.#onHealthCheck(health, isPass, isChanged),
        policy.healthCheck,
        isWarm,
      );
    } else {
      from?.checker?.close();
      for (const health of this.#health.values()) health.forgetHealthCheck();
    }
    this.#stats = from?.stats ?? newStats();
    if (previous !== undefined && from !== undefined) previous.#successor = this;
    this.#balancer = this.#rebuild(from?.balancer);
  }

  readonly #stats: ClusterStats;

  /** Counters, current when read. */
  get stats(): ClusterStats {
    const stats = this.#stats;
    const breaker = this.#breaker.stats;
    stats.activeRequests = breaker.activeRequests;
    stats.activeRetries = breaker.activeRetries;
    stats.overflows = breaker.overflows;
    stats.retryOverflows = breaker.retryOverflows;
    stats.retries = breaker.retries;
    stats.ejections = this.#detector?.stats.ejections ?? stats.ejections;
    stats.ejectionOverflows = this.#detector?.stats.ejectionOverflows ?? stats.ejectionOverflows;
    let ejected = 0;
    for (const health of this.#health.values()) if (health.isEjected) ejected++;
    stats.ejectionsActive = ejected;
    if (this.#checker !== undefined) {
      stats.healthCheckAttempts = this.#checker.stats.attempts;
      stats.healthCheckSuccesses = this.#checker.stats.successes;
      stats.healthCheckFailures = this.#checker.stats.failures;
    }
    stats.availableEndpoints = this.#available.length;
    return stats;
  }

  /** The endpoints a balancer picks among now. */
  get availableEndpoints(): readonly ClusterEndpoint[] {
    return this.#available;
  }

  /**
   * An endpoint for one attempt, or undefined when none may take it. `hashKey` is the route's
   * hash policy value (ring hash); `previous` is the endpoint the last attempt went to, which a
   * retry avoids when another is available.
   */
  pick(hashKey?: string, previous?: ClusterEndpoint): ClusterEndpoint | undefined {
    return this.#balancer.pick(hashKey, previous?.host);
  }

  /**
   * One attempt's pick: admitted by the circuit breaker, then an endpoint from the balancer (see
   * pick), whose onAttemptEnd ends the admission and tells outlier detection how the attempt went.
   */
  pickAttempt(hashKey: string | undefined, previous: ClusterEndpoint | undefined): PickResult {
    if (!this.#breaker.admitRequest()) return OVERFLOW;
    const pick = this.#balancer.pick(hashKey, previous?.host)?.pick;
    if (pick !== undefined) return pick;
    this.#breaker.releaseRequest();
    return NO_ENDPOINT;
  }

  /** Circuit breaking: false when a new request would exceed the cluster's limits (Envoy's UO). */
  admitRequest(): boolean {
    return this.#breaker.admitRequest();
  }

  /** Every admitted request calls this once when it ends. */
  releaseRequest(): void {
    this.#breaker.releaseRequest();
  }

  /** Whether one more retry may start (max_retries, retry budget); released with releaseRetry. */
  admitRetry(): boolean {
    return this.#breaker.admitRetry();
  }

  releaseRetry(): void {
    this.#breaker.releaseRetry();
  }

  /** How an attempt on `endpoint` ended (outlier detection). */
  recordOutcome(endpoint: ClusterEndpoint, outcome: AttemptOutcome): void {
    // The attempt may have started on a version this cluster has since been replaced by.
    let cluster = this.#successor ?? this;
    while (cluster.#successor !== undefined) cluster = cluster.#successor;
    const health = endpoint.health;
    // An endpoint that has left the cluster since the attempt started no longer counts.
    if (health === undefined || cluster.#detector === undefined || cluster.#health.get(health.key) !== health) return;
    cluster.#detector.record(health, outcome);
  }

  /** Stops what the cluster runs in the background (health checks, the ejection sweep); idempotent. */
  close(): void {
    this.#isClosed = true;
    // What a successor took over is the successor's to stop.
    if (this.#successor !== undefined) return;
    this.#detector?.close();
    this.#checker?.close();
  }

  #handOver(): HandOver {
    return {
      health: this.#health,
      breaker: this.#breaker,
      detector: this.#detector,
      checker: this.#checker,
      stats: this.#stats,
      balancer: this.#balancer,
    };
  }

  #onHealthCheck(health: EndpointHealth, isPass: boolean, isAvailabilityChanged: boolean): void {
    const isUnejected = isPass && this.#detector !== undefined && this.#detector.onHealthCheckSuccess(health);
    if (isAvailabilityChanged || isUnejected) this.#rebuild();
  }

  /** Recomputes the available endpoints and builds a balancer over them. */
  #rebuild(previous: LoadBalancer | undefined = this.#balancer): LoadBalancer {
    const available = this.endpoints.filter(isAvailable);
    const localZone = this.#context.localZone;
    if (this.#policy.isZoneAware && localZone !== undefined && localZone !== '') {
      const local = available.filter((endpoint) => endpoint.zone === localZone);
      this.#available = local.length > 0 ? local : available;
    } else {
      this.#available = available;
    }
    this.#balancer = this.#policy.loadBalancer(this.#available, previous);
    return this.#balancer;
  }
}

/** An endpoint's pick: its attempt's end releases the cluster's admission and tells outlier detection how it went. */
class ClusterPick implements EndpointPick {
  readonly kind = 'endpoint';

  constructor(
    readonly endpoint: ClusterEndpoint,
    readonly cluster: Cluster,
  ) {}

  onAttemptEnd(outcome: AttemptOutcome | undefined): void {
    this.cluster.releaseRequest();
    if (outcome !== undefined) this.cluster.recordOutcome(this.endpoint, outcome);
  }
}

/** What a Cluster takes over from the version before it. */
interface HandOver {
  health: ReadonlyMap<string, EndpointHealth>;
  breaker: CircuitBreaker;
  detector: OutlierDetector | undefined;
  checker: HealthChecker | undefined;
  stats: ClusterStats;
  balancer: LoadBalancer;
}
