// For tests: endpoints on fake hosts (a name and request counters, no pool), a seeded random
// source, and a helper to pick many times.
import type { UpstreamHost } from '../src/upstream/upstream-host.js';
import { ClusterEndpoint } from '../src/cluster/cluster-endpoint.js';

export function fakeHost(key: string): UpstreamHost {
  return {
    key,
    address: key,
    port: 80,
    requests: 0,
    activeRequests: 0,
    connectFailures: 0,
    resets: 0,
  } as unknown as UpstreamHost;
}

export function endpoint(hostname: string, healthStatus = 'HEALTHY', zone = ''): ClusterEndpoint {
  return new ClusterEndpoint(fakeHost(`10.0.0.${hostname}:80`), hostname, healthStatus, zone);
}

export function pickNames(
  balancer: { pick(hashKey: string | undefined, avoid?: undefined): ClusterEndpoint | undefined },
  count: number,
  hashKey?: (index: number) => string,
): string[] {
  return Array.from({ length: count }, (_, index) => balancer.pick(hashKey?.(index))?.hostname ?? '-');
}

/** A deterministic random source in [0, 1) (mulberry32). */
export function seededRandom(seed = 1): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
