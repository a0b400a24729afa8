// One endpoint of a cluster as the balancers see it: its upstream host, its EDS health and zone,
// and its dynamic health (outlier ejection, active health checks) that outlives config versions.
import type { UpstreamHost } from '../upstream/upstream-host.js';
import type { EndpointHealth } from './endpoint-health.js';

export interface ClusterEndpoint {
  host: UpstreamHost;
  /** The instance's name (EDS endpoint hostname), for /clusters and logs. */
  hostname: string;
  /** EDS health_status as sent (UNKNOWN when absent). */
  healthStatus: string;
  /** Whether EDS lets a balancer pick it: HEALTHY or UNKNOWN. Ejection and health checks are in `health`. */
  isHealthy: boolean;
  /** EDS locality.zone ('' when none), for locality preference. */
  zone?: string;
  /** Set by the Cluster the endpoint is given to: shared by every version of that cluster for this host. */
  health?: EndpointHealth;
}

// EDS without health checking says UNKNOWN (or nothing): that is no reason to withhold traffic.
const USABLE_HEALTH: ReadonlySet<string> = new Set(['HEALTHY', 'UNKNOWN']);

export function isUsableHealth(healthStatus: string): boolean {
  return USABLE_HEALTH.has(healthStatus);
}

/** Whether a balancer may pick the endpoint now: EDS, outlier detection and health checks all allow it. */
export function isAvailable(endpoint: ClusterEndpoint): boolean {
  return endpoint.isHealthy && (endpoint.health === undefined || endpoint.health.isAvailable);
}

/**
 * Envoy's /clusters health_flags: `healthy`, or every reason the endpoint gets no traffic
 * (`/failed_active_hc/failed_outlier_check`, `/failed_eds_health`, `/pending_active_hc`, ...).
 */
export function healthFlags(endpoint: ClusterEndpoint): string {
  let flags = '';
  const { health } = endpoint;
  if (health?.isFailedActiveHc === true) flags += '/failed_active_hc';
  if (health?.isEjected === true) flags += '/failed_outlier_check';
  if (!endpoint.isHealthy)
    flags += endpoint.healthStatus === 'DEGRADED' ? '/degraded_eds_health' : '/failed_eds_health';
  if (health?.isPendingActiveHc === true) flags += '/pending_active_hc';
  return flags === '' ? 'healthy' : flags;
}
