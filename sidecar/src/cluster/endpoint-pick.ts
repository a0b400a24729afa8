// What a cluster's picker answers for one attempt, tagged as grpc-js's PickResult: an endpoint with
// the callback the attempt calls once when it ends (its breaker admission ends there, and outlier
// detection hears how it went), or why there is none. Picks are built when the set of endpoints
// changes, so picking allocates nothing.
import type { AttemptOutcome } from './attempt-outcome.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';

export interface EndpointPick {
  kind: 'endpoint';
  endpoint: ClusterEndpoint;
  /** Once per attempt; `outcome` undefined: the attempt was cut short by the caller, no verdict on the endpoint. */
  onAttemptEnd(outcome: AttemptOutcome | undefined): void;
}

export type PickResult =
  | EndpointPick
  /** Envoy's UO: the cluster's circuit breaker is at its limits. */
  | { kind: 'overflow' }
  /** Envoy's UH: no endpoint may take the attempt. */
  | { kind: 'no-endpoint' };

export const OVERFLOW: PickResult = { kind: 'overflow' };
export const NO_ENDPOINT: PickResult = { kind: 'no-endpoint' };
