// Round robin over the healthy endpoints. The position carries over from the cluster's previous
// balancer, so frequent endpoint updates do not pile requests onto the first endpoint.
import type { ClusterEndpoint } from './cluster-endpoint.js';
import type { LoadBalancer, LoadBalancerFactory } from './load-balancer.js';

export class RoundRobin implements LoadBalancer {
  readonly #healthy: readonly ClusterEndpoint[];
  #next: number;

  constructor(endpoints: readonly ClusterEndpoint[], previous?: RoundRobin) {
    this.#healthy = endpoints.filter((endpoint) => endpoint.isHealthy);
    this.#next = previous === undefined ? 0 : previous.#next;
  }

  pick(): ClusterEndpoint | undefined {
    const count = this.#healthy.length;
    if (count === 0) return undefined;
    if (this.#next >= count) this.#next = 0;
    return this.#healthy[this.#next++];
  }
}

export const createRoundRobin: LoadBalancerFactory = (endpoints, previous) =>
  new RoundRobin(endpoints, previous instanceof RoundRobin ? previous : undefined);
