// The mirror layer (request_mirror_policies): before the first attempt, a copy of the request goes
// to each cluster the router chose to mirror to, and its response is dropped. The copy is sent on
// the side: the caller's request never waits for it, and its failure is nobody's error. As in
// Envoy, the copy's Host gets a "-shadow" suffix.
import type { Cluster } from '../cluster/cluster.js';
import type { Dispatch, ExchangeHandler } from '../cluster/cluster-request.js';
import type { ForwardedRequest, RouteDispatch, RouteLayer } from './forwarded-request.js';

export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(':');
  const hasPort = colon !== -1 && !authority.endsWith(']');
  return hasPort ? `${authority.slice(0, colon)}-shadow${authority.slice(colon)}` : `${authority}-shadow`;
}

/** Copies go to `sendCopy`, the cluster layer (the layer below the whole stack, not the attempt's). */
export function mirror(sendCopy: Dispatch): RouteLayer {
  return (next: RouteDispatch): RouteDispatch =>
    (request, handler) => {
      const { mirrorTo, body } = request;
      // A body too large to hold streams once, to the caller's destination only.
      if (request.attempts === 0 && mirrorTo !== undefined && (body === null || Buffer.isBuffer(body)))
        for (const cluster of mirrorTo) sendMirror(sendCopy, cluster, request, body);
      next(request, handler);
    };
}

function sendMirror(sendCopy: Dispatch, cluster: Cluster, request: ForwardedRequest, body: Buffer | null): void {
  const headers = request.headers.slice();
  headers[1] = shadowAuthority(headers[1] as string);
  sendCopy(
    {
      cluster,
      method: request.method,
      path: request.path,
      headers,
      body,
      isDownstreamHttp2: request.isDownstreamHttp2,
      hashKey: request.hashKey,
      attempts: 0,
      previous: undefined,
      record: undefined,
    },
    DISCARD,
  );
}

/** Drops the copy's response, and its failure (the cluster layer counted it). */
const DISCARD: ExchangeHandler = {
  onRequestStart: () => undefined,
  onResponseStart: () => undefined,
  onResponseData: () => undefined,
  onResponseEnd: () => undefined,
  onResponseError: () => undefined,
};
