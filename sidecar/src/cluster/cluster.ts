// A cluster on the request path: its endpoints, the balancer that picks one per attempt, and the
// cluster's limits and bookkeeping the router consults around each attempt. The router owns the
// request (timeouts, retries, the upstream exchange); the cluster only answers "which endpoint",
// "may this request or retry start" and hears how each attempt ended.
import type { ClusterEndpoint } from './cluster-endpoint.js';
import type { LoadBalancer } from './load-balancer.js';

/** How one attempt on one endpoint ended, as outlier detection needs it. */
export type AttemptOutcome = { kind: 'response'; status: number } | { kind: 'connect-failure' } | { kind: 'reset' } | { kind: 'timeout' };

/** What a cluster needs to know of the sidecar it runs in. */
export interface ClusterContext {
  /** The sidecar's own zone (topology.kubernetes.io/zone), for locality preference. */
  localZone: string | undefined;
}

export class Cluster {
  constructor(
    readonly name: string,
    readonly endpoints: readonly ClusterEndpoint[],
    readonly loadBalancer: LoadBalancer,
  ) {}

  /**
   * An endpoint for one attempt, or undefined when none may take it. `hashKey` is the route's
   * hash policy value (ring hash); `previous` is the endpoint the last attempt went to, which a
   * retry avoids when another is available.
   */
  pick(hashKey?: string, previous?: ClusterEndpoint): ClusterEndpoint | undefined {
    void hashKey;
    void previous;
    return this.loadBalancer.pick();
  }

  /** Circuit breaking: false when a new request would exceed the cluster's limits (Envoy's UO). */
  admitRequest(): boolean {
    return true;
  }

  /** Every admitted request calls this once when it ends. */
  releaseRequest(): void {}

  /** Whether one more retry may start (max_retries, retry budget); released with releaseRetry. */
  admitRetry(): boolean {
    return true;
  }

  releaseRetry(): void {}

  /** How an attempt on `endpoint` ended (outlier detection). */
  recordOutcome(endpoint: ClusterEndpoint, outcome: AttemptOutcome): void {
    void endpoint;
    void outcome;
  }

  /** Stops what the cluster runs in the background (health checks); idempotent. */
  close(): void {}
}
