// A load balancer picks one endpoint of a cluster per attempt. The cluster builds one whenever the
// set of available endpoints changes (a config version, an ejection, a health check verdict), so
// a balancer sees only endpoints that may take traffic and does no filtering per request. It may
// take over the state of the cluster's previous balancer (round robin's position).
import type { UpstreamHost } from '../upstream/upstream-host.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';

export interface LoadBalancer {
  /**
   * An endpoint for one attempt, or undefined when there is none. `hashKey` is the route's hash
   * policy value (used by ring hash); `avoid` is the host of the last attempt, which the balancer
   * skips when it has another.
   */
  pick(hashKey: string | undefined, avoid: UpstreamHost | undefined): ClusterEndpoint | undefined;
}

/** Builds a balancer over `endpoints` (all available); `previous` is the cluster's balancer until now. */
export type LoadBalancerFactory = (
  endpoints: readonly ClusterEndpoint[],
  previous: LoadBalancer | undefined,
) => LoadBalancer;

/** A policy's settings from the Cluster (least_request_lb_config, ring_hash_lb_config), already checked. */
export interface LoadBalancerOptions {
  /** least_request_lb_config.choice_count. */
  choiceCount: number;
  /** ring_hash_lb_config.minimum_ring_size and maximum_ring_size. */
  minRingSize: number;
  maxRingSize: number;
  /** In [0, 1); tests pass a seeded one. */
  random: () => number;
}

/** An lb_policy: given its options, builds balancers. */
export type LoadBalancerPolicy = (options: LoadBalancerOptions) => LoadBalancerFactory;

export const DEFAULT_LOAD_BALANCER_OPTIONS: LoadBalancerOptions = {
  choiceCount: 2,
  minRingSize: 1024,
  maxRingSize: 8 * 1024 * 1024,
  random: Math.random,
};
