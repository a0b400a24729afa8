// LEAST_REQUEST as Envoy does it with equal weights: "power of N choices" — draw choice_count
// endpoints at random and take the one with the fewest requests in flight (host.activeRequests,
// which counts every cluster's requests to that host). Ties go to the first drawn.
import type { UpstreamHost } from '../upstream/upstream-host.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';
import type { LoadBalancer, LoadBalancerPolicy } from './load-balancer.js';

export class LeastRequest implements LoadBalancer {
  constructor(
    readonly endpoints: readonly ClusterEndpoint[],
    readonly choiceCount: number,
    readonly random: () => number,
  ) {}

  pick(_hashKey?: string, avoid?: UpstreamHost): ClusterEndpoint | undefined {
    const count = this.endpoints.length;
    if (count === 0) return undefined;
    if (count === 1) return this.endpoints[0];
    let best: ClusterEndpoint | undefined;
    for (let choice = 0; choice < this.choiceCount; choice++) {
      let index = Math.floor(this.random() * count);
      if (this.endpoints[index]?.host === avoid) index = (index + 1 + Math.floor(this.random() * (count - 1))) % count;
      const candidate = this.endpoints[index] as ClusterEndpoint;
      if (best === undefined || candidate.host.activeRequests < best.host.activeRequests) best = candidate;
    }
    return best;
  }
}

export const leastRequest: LoadBalancerPolicy = (options) => (endpoints) =>
  new LeastRequest(endpoints, options.choiceCount, options.random);
