// Round robin over the available endpoints. The position carries over from the cluster's previous
// balancer, so frequent endpoint updates do not pile requests onto the first endpoint.
import type { UpstreamHost } from '../upstream/upstream-host.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';
import type { LoadBalancer, LoadBalancerPolicy } from './load-balancer.js';

export class RoundRobin implements LoadBalancer {
  readonly #endpoints: readonly ClusterEndpoint[];
  #next: number;

  constructor(endpoints: readonly ClusterEndpoint[], previous?: RoundRobin) {
    this.#endpoints = endpoints;
    this.#next = previous === undefined ? 0 : previous.#next;
  }

  pick(_hashKey?: string, avoid?: UpstreamHost): ClusterEndpoint | undefined {
    const count = this.#endpoints.length;
    if (count === 0) return undefined;
    if (this.#next >= count) this.#next = 0;
    let endpoint = this.#endpoints[this.#next++] as ClusterEndpoint;
    if (endpoint.host === avoid && count > 1) {
      if (this.#next >= count) this.#next = 0;
      endpoint = this.#endpoints[this.#next++] as ClusterEndpoint;
    }
    return endpoint;
  }
}

export const roundRobin: LoadBalancerPolicy = () => (endpoints, previous) =>
  new RoundRobin(endpoints, previous instanceof RoundRobin ? previous : undefined);
