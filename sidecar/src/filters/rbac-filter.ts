// The RBAC filter (envoy.filters.http.rbac) of an inbound listener: a request its engine does not
// allow is answered here, 403 "RBAC: access denied" (PERMISSION_DENIED to a gRPC caller), with
// the response flag RBAC_ACCESS_DENIED in metrics and the access log.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { destinationPort } from '../http/destination-port.js';
import type { FilterVerdict, HttpFilter, LocalReplyVerdict, RouteFilterConfig } from './http-filter.js';
import type { RbacEngine } from './rbac.js';

const DENIED: LocalReplyVerdict = {
  kind: 'reply',
  status: 403,
  message: 'RBAC: access denied',
  flag: 'RBAC_ACCESS_DENIED',
};

/** The verified identity of a connection's peer (http/peer-identity.ts, handed in by compile). */
export type PrincipalOf = (socket: Socket) => string | undefined;

export class RbacFilter implements HttpFilter {
  constructor(
    readonly engine: RbacEngine,
    private readonly principalOf: PrincipalOf,
  ) {}

  decodeHeaders(headers: IncomingHttpHeaders, _route: RouteFilterConfig, req: IncomingMessage): FilterVerdict {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const isAllowed = this.engine.isAllowed({
      headers,
      method: req.method,
      path: query === -1 ? url : url.slice(0, query),
      port: destinationPort(req.socket),
      principal: this.principalOf(req.socket),
    });
    return isAllowed ? undefined : DENIED;
  }
}
