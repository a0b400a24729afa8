// RANDOM: a uniformly random available endpoint per attempt; a retry draws among the others.
import type { UpstreamHost } from '../upstream/upstream-host.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';
import type { LoadBalancer, LoadBalancerPolicy } from './load-balancer.js';

export class RandomBalancer implements LoadBalancer {
  constructor(
    readonly endpoints: readonly ClusterEndpoint[],
    readonly random: () => number,
  ) {}

  pick(_hashKey?: string, avoid?: UpstreamHost): ClusterEndpoint | undefined {
    const count = this.endpoints.length;
    if (count === 0) return undefined;
    let index = Math.floor(this.random() * count);
    // Another endpoint, each equally likely: shift by 1..count-1.
    if (this.endpoints[index]?.host === avoid && count > 1)
      index = (index + 1 + Math.floor(this.random() * (count - 1))) % count;
    return this.endpoints[index];
  }
}

export const random: LoadBalancerPolicy = (options) => (endpoints) => new RandomBalancer(endpoints, options.random);
