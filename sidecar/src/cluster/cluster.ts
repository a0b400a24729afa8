// A cluster on the request path: its endpoints and the balancer that picks one per request, then
// the upstream layer below. Circuit breaker limits will be checked here, before the pick.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forward } from '../upstream/forward.js';
import { localReply } from '../upstream/local-reply.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';
import type { LoadBalancer } from './load-balancer.js';

export class Cluster {
  constructor(
    readonly name: string,
    readonly endpoints: readonly ClusterEndpoint[],
    readonly loadBalancer: LoadBalancer,
  ) {}

  /** Sends the request to one healthy endpoint, or answers 503 when there is none. */
  forward(req: IncomingMessage, res: ServerResponse, authority: string, path: string): void {
    const endpoint = this.loadBalancer.pick();
    if (endpoint === undefined) {
      // Envoy's UH: no healthy upstream.
      localReply(res, 503, `no healthy endpoint for cluster "${this.name}"`);
      return;
    }
    forward(req, res, endpoint.host, this.name, authority, path);
  }
}
