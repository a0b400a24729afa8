// RING_HASH: consistent hashing (Karger's ring). Every endpoint puts the same virtual nodes on a
// 32-bit ring (murmur hashes of "address:port_i"); a request's hash key goes to the first node
// at or after its own hash. The nodes an endpoint places do not depend on the others, so when one
// of N endpoints leaves (or is ejected) only its keys move, about 1/N of them.
//
// Ring size: each endpoint places minimum_ring_size nodes (so the ring is never below the minimum
// whatever the endpoint count), fewer only when that would exceed maximum_ring_size. Envoy instead
// spreads minimum_ring_size over all endpoints, which reshuffles some keys among the endpoints
// that stay whenever the count changes; a fixed per-endpoint count keeps them where they were.
// Without a hash key (no hash policy, or its header absent) a random node is taken, as Envoy does.
import type { UpstreamHost } from '../upstream/upstream-host.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';
import type { LoadBalancer, LoadBalancerPolicy } from './load-balancer.js';
import { murmurHash } from './murmur-hash.js';

export class RingHash implements LoadBalancer {
  /** Node hashes, ascending. */
  readonly #hashes: Uint32Array;
  /** The endpoint index of each node. */
  readonly #owners: Uint32Array;
  readonly #endpoints: readonly ClusterEndpoint[];

  constructor(
    endpoints: readonly ClusterEndpoint[],
    minRingSize: number,
    maxRingSize: number,
    readonly random: () => number,
  ) {
    this.#endpoints = endpoints;
    const count = endpoints.length;
    const perEndpoint = count === 0 ? 0 : Math.max(1, Math.min(minRingSize, Math.floor(maxRingSize / count)));
    // hash × 2^21 + owner is exact in a double (2^53), so one numeric sort orders both.
    const nodes = new Float64Array(count * perEndpoint);
    let n = 0;
    endpoints.forEach((endpoint, owner) => {
      for (let i = 0; i < perEndpoint; i++) nodes[n++] = murmurHash(`${endpoint.host.key}_${i}`) * OWNER_SPAN + owner;
    });
    nodes.sort();
    this.#hashes = new Uint32Array(nodes.length);
    this.#owners = new Uint32Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as number;
      const owner = node % OWNER_SPAN;
      this.#owners[i] = owner;
      this.#hashes[i] = (node - owner) / OWNER_SPAN;
    }
  }

  get ringSize(): number {
    return this.#hashes.length;
  }

  pick(hashKey?: string, avoid?: UpstreamHost): ClusterEndpoint | undefined {
    const size = this.#hashes.length;
    if (size === 0) return undefined;
    let index = hashKey === undefined ? Math.floor(this.random() * size) : this.#firstAtOrAfter(murmurHash(hashKey));
    let endpoint = this.#endpoints[this.#owners[index] as number] as ClusterEndpoint;
    if (endpoint.host === avoid && this.#endpoints.length > 1) {
      // The next endpoint clockwise: where this key would go if the avoided one were gone.
      while (endpoint.host === avoid) {
        index = index + 1 === size ? 0 : index + 1;
        endpoint = this.#endpoints[this.#owners[index] as number] as ClusterEndpoint;
      }
    }
    return endpoint;
  }

  #firstAtOrAfter(hash: number): number {
    let low = 0;
    let high = this.#hashes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#hashes[middle] as number) < hash) low = middle + 1;
      else high = middle;
    }
    return low === this.#hashes.length ? 0 : low;
  }
}

// Up to 2^21 endpoints per cluster.
const OWNER_SPAN = 2 ** 21;

export const ringHash: LoadBalancerPolicy = (options) => (endpoints) =>
  new RingHash(endpoints, options.minRingSize, options.maxRingSize, options.random);
