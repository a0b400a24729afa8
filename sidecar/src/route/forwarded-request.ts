// A request on its way down a route's stack: what the cluster sends, plus what the route layers
// above it decide per request. compose() stacks the layers once per route, when config compiles,
// as undici's compose() stacks interceptors around dispatch: each layer gets only the one below.
import type { Cluster } from '../cluster/cluster.js';
import type { ClusterRequest, Dispatch } from '../cluster/cluster-request.js';

export interface ForwardedRequest extends ClusterRequest {
  /** The route timeout, or the caller's shorter grpc-timeout; 0: none. */
  timeoutMs: number;
  /** The timeout is the caller's grpc-timeout. */
  isGrpcDeadline: boolean;
  /** The route's retry policy may retry this request (retriable_request_headers matched). */
  mayRetry: boolean;
  /** The clusters that get a copy (request_mirror_policies that hit), with the whole body read. */
  mirrorTo: readonly Cluster[] | undefined;
}

export type RouteDispatch = Dispatch<ForwardedRequest>;

/** A route layer: given the dispatch of the layer below, the dispatch it offers the layer above. */
export type RouteLayer = (next: RouteDispatch) => RouteDispatch;

/** `layers` from the top down, around `bottom`. */
export function compose(bottom: RouteDispatch, layers: readonly RouteLayer[]): RouteDispatch {
  return layers.reduceRight((next, layer) => layer(next), bottom);
}
