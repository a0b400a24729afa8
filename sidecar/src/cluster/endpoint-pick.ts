// What a cluster's picker answers for one attempt, tagged as grpc-js's PickResult: an endpoint's
// pick (cluster-endpoint.ts), or why there is none. Picks are built when the set of endpoints
// changes, so picking allocates nothing.
import type { EndpointPick } from './cluster-endpoint.js';

export type PickResult =
  | EndpointPick
  /** Envoy's UO: the cluster's circuit breaker is at its limits. */
  | { kind: 'overflow' }
  /** Envoy's UH: no endpoint may take the attempt. */
  | { kind: 'no-endpoint' };

export const OVERFLOW: PickResult = { kind: 'overflow' };
export const NO_ENDPOINT: PickResult = { kind: 'no-endpoint' };
