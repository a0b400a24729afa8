// Round robin over the healthy endpoints. The position carries over from the previous balancer
// of the cluster, so frequent endpoint updates do not pile requests onto the first endpoint.
import type { ClusterEndpoint } from './cluster.js';
import type { LoadBalancer } from './load-balancer.js';

export class RoundRobin implements LoadBalancer {
  readonly #healthy: readonly ClusterEndpoint[];
  #next: number;

  constructor(endpoints: readonly ClusterEndpoint[], previous?: RoundRobin) {
    this.#healthy = endpoints.filter((endpoint) => endpoint.isHealthy);
    this.#next = previous ? previous.#next : 0;
  }

  pick(): ClusterEndpoint | undefined {
    const count = this.#healthy.length;
    if (count === 0) return undefined;
    if (this.#next >= count) this.#next = 0;
    return this.#healthy[this.#next++];
  }
}
