// A cluster as the request path uses it: its endpoints with health, and the balancer that picks.
import type { UpstreamHost } from '../upstream/upstream-host.js';
import type { LoadBalancer } from './load-balancer.js';

export interface ClusterEndpoint {
  host: UpstreamHost;
  /** The instance's name (EDS endpoint hostname), for /clusters and logs. */
  hostname: string;
  healthStatus: string;
  isHealthy: boolean;
}

export interface Cluster {
  name: string;
  endpoints: readonly ClusterEndpoint[];
  loadBalancer: LoadBalancer;
}

// UNKNOWN (or absent) counts as healthy: EDS without health checking says nothing either way.
const USABLE_HEALTH = new Set(['UNKNOWN', 'HEALTHY', '']);

export function isUsable(healthStatus: string): boolean {
  return USABLE_HEALTH.has(healthStatus);
}
