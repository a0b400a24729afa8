// One endpoint of a cluster as the balancers see it: its upstream host and its EDS health.
import type { UpstreamHost } from '../upstream/upstream-host.js';

export interface ClusterEndpoint {
  host: UpstreamHost;
  /** The instance's name (EDS endpoint hostname), for /clusters and logs. */
  hostname: string;
  /** EDS health_status as sent (UNKNOWN when absent). */
  healthStatus: string;
  /** Whether a balancer may pick it: HEALTHY or UNKNOWN. */
  isHealthy: boolean;
}

// EDS without health checking says UNKNOWN (or nothing): that is no reason to withhold traffic.
const USABLE_HEALTH: ReadonlySet<string> = new Set(['HEALTHY', 'UNKNOWN']);

export function isUsableHealth(healthStatus: string): boolean {
  return USABLE_HEALTH.has(healthStatus);
}
