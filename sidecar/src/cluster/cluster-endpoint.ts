// One endpoint of a cluster as the balancers see it: its upstream host, its EDS health and zone,
// its dynamic health (outlier ejection, active health checks) that outlives config versions, and
// what the cluster's picker answers for it. A sidecar holds one per endpoint of every cluster it
// knows, so it is a class of fixed shape and holds nothing a cluster without outlier detection or
// health checks does not need.
import type { UpstreamHost } from '../upstream/upstream-host.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { EndpointHealth } from './endpoint-health.js';

export class ClusterEndpoint {
  /** Whether EDS lets a balancer pick it: HEALTHY or UNKNOWN. Ejection and health checks are in `health`. */
  readonly isHealthy: boolean;
  /**
   * Set by the Cluster the endpoint is given to when it tracks endpoint health (outlier detection
   * or health checks): shared by every version of that cluster for this host.
   */
  health: EndpointHealth | undefined = undefined;
  /** Set by the Cluster the endpoint is given to: what its picker answers for this endpoint. */
  pick: EndpointPick | undefined = undefined;

  constructor(
    readonly host: UpstreamHost,
    /** The instance's name (EDS endpoint hostname), for /clusters and logs. */
    readonly hostname: string,
    /** EDS health_status as sent (UNKNOWN when absent). */
    readonly healthStatus = 'UNKNOWN',
    /** EDS locality.zone ('' when none), for locality preference. */
    readonly zone = '',
  ) {
    this.isHealthy = isUsableHealth(healthStatus);
  }
}

/**
 * A pick of an endpoint for one attempt, tagged as grpc-js's PickResult: the endpoint with the
 * callback the attempt calls once when it ends (its breaker admission ends there, and outlier
 * detection hears how it went).
 */
export interface EndpointPick {
  kind: 'endpoint';
  endpoint: ClusterEndpoint;
  /** Once per attempt; `outcome` undefined: the attempt was cut short by the caller, no verdict on the endpoint. */
  onAttemptEnd(outcome: AttemptOutcome | undefined): void;
}

// EDS without health checking says UNKNOWN (or nothing): that is no reason to withhold traffic.
const USABLE_HEALTH: ReadonlySet<string> = new Set(['HEALTHY', 'UNKNOWN']);

function isUsableHealth(healthStatus: string): boolean {
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
