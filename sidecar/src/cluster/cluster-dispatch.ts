// The cluster layer of a route's stack: picks an endpoint of the request's cluster for one attempt
// (within its circuit breaker) and sends the attempt on that endpoint's connections (undici's pool
// for HTTP/1.1, the host's h2 session for HTTP/2). No pick (UO, UH) is a failure told to the layer above.
import type { Dispatcher } from 'undici';
import { UpstreamFailure } from '../http/upstream-failure.js';
import { ReplayableBody } from '../upstream/replayable-body.js';
import { ClusterAttempt } from './cluster-attempt.js';
import type { Cluster } from './cluster.js';
import type { ClusterRequest, ExchangeHandler } from './cluster-request.js';

/** The controller of an attempt that found no endpoint: there is nothing to stop. */
const NO_ATTEMPT: Dispatcher.DispatchController = {
  aborted: true,
  paused: false,
  reason: null,
  abort: () => undefined,
  pause: () => undefined,
  resume: () => undefined,
};

export function overflowFailure(cluster: Cluster): UpstreamFailure {
  // Envoy's UO: upstream overflow, the cluster's circuit breakers are open.
  return new UpstreamFailure(
    503,
    'UO',
    `upstream overflow: cluster "${cluster.name}" is at its circuit breaker limits`,
    undefined,
    { 'x-envoy-overloaded': 'true' },
  );
}

function noEndpoint(cluster: Cluster): UpstreamFailure {
  // Envoy's UH: no healthy upstream.
  return new UpstreamFailure(503, 'UH', `no healthy endpoint for cluster "${cluster.name}"`, undefined);
}

/** Whether the cluster gets HTTP/2: it says so, or it speaks what the request came in with. */
export function speaksHttp2(cluster: Cluster, isDownstreamHttp2: boolean): boolean {
  return cluster.protocol === 'http2' || (cluster.protocol === 'downstream' && isDownstreamHttp2);
}

export function dispatchToCluster(request: ClusterRequest, handler: ExchangeHandler): void {
  const { cluster, record } = request;
  const picked = cluster.pickAttempt(request.hashKey, request.previous);
  if (picked.kind !== 'endpoint') {
    handler.onRequestStart(NO_ATTEMPT, undefined);
    handler.onResponseError(NO_ATTEMPT, picked.kind === 'overflow' ? overflowFailure(cluster) : noEndpoint(cluster));
    return;
  }
  const { endpoint } = picked;
  request.previous = endpoint;
  request.attempts++;
  record?.attempted(endpoint.host.key, request.attempts);
  const attempt = new ClusterAttempt(cluster, picked, handler);
  handler.onRequestStart(attempt, undefined);
  const dispatcher = speaksHttp2(cluster, request.isDownstreamHttp2) ? endpoint.host.h2 : endpoint.host.dispatcher;
  const { body } = request;
  dispatcher.dispatch(
    {
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: body instanceof ReplayableBody ? body.open() : body,
    },
    attempt,
  );
}
