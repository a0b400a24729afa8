// What a cluster is asked to send, and the dispatch signature every layer from the route's down to
// the cluster shares (undici's dispatch(options, handler)): each layer gets the request and the
// handler of the layer above, and reports the exchange to that handler only.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RequestRecord } from '../http/request-record.js';
import type { ReplayableBody } from '../upstream/replayable-body.js';
import type { Cluster } from './cluster.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';

export interface ClusterRequest {
  cluster: Cluster;
  method: string;
  path: string;
  /** Flat [name, value, …] list, Host first. */
  headers: string[];
  /** A Buffer or a ReplayableBody can be sent again (retries, mirrors); a stream only once. */
  body: Buffer | ReplayableBody | Readable | null;
  /** The caller speaks HTTP/2: a cluster of the downstream's protocol speaks it too. */
  isDownstreamHttp2: boolean;
  /** The route's hash policy value (ring hash). */
  hashKey: string | undefined;
  /** Attempts sent so far; the cluster layer counts them. */
  attempts: number;
  /** The endpoint of the last attempt, which the next one avoids when another is available. */
  previous: ClusterEndpoint | undefined;
  /** Where the layers tell telemetry what happened; undefined when telemetry is off. */
  record: RequestRecord | undefined;
}

/** The handler methods every layer calls on the one above (undici's, all required). */
export type ExchangeHandler = Required<
  Pick<
    Dispatcher.DispatchHandler,
    'onRequestStart' | 'onResponseStart' | 'onResponseData' | 'onResponseEnd' | 'onResponseError'
  >
>;

export type Dispatch<R extends ClusterRequest = ClusterRequest> = (request: R, handler: ExchangeHandler) => void;
