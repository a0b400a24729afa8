// Envoy's RBAC engine (envoy.config.rbac.v3.RBAC), compiled once per config version: named
// policies, each matching when one of its permissions (what is asked: method, path, port, headers)
// and one of its principals (who asks: the peer's verified SPIFFE ID, headers) match. An ALLOW
// engine lets a request through when some policy matches, a DENY engine when none does.
import type { IncomingHttpHeaders } from 'node:http';

/** What RBAC looks at in a request. */
export interface RbacRequest {
  headers: IncomingHttpHeaders;
  method: string | undefined;
  /** The path without its query (Envoy's url_path). */
  path: string;
  /** The port the connection reached. */
  port: number | undefined;
  /** The peer's verified SPIFFE ID; undefined without mTLS (no `authenticated` principal matches then). */
  principal: string | undefined;
}

/** A permission or principal, compiled: whether it matches a request. */
export type RbacMatcher = (request: RbacRequest) => boolean;

export interface RbacPolicy {
  name: string;
  permissions: readonly RbacMatcher[];
  principals: readonly RbacMatcher[];
}

export class RbacEngine {
  constructor(
    readonly action: 'ALLOW' | 'DENY',
    readonly policies: readonly RbacPolicy[],
  ) {}

  /** The name of the first policy `request` matches, or undefined. */
  matchingPolicy(request: RbacRequest): string | undefined {
    for (const policy of this.policies)
      if (someMatches(policy.permissions, request) && someMatches(policy.principals, request)) return policy.name;
    return undefined;
  }

  isAllowed(request: RbacRequest): boolean {
    return (this.matchingPolicy(request) !== undefined) === (this.action === 'ALLOW');
  }
}

export function someMatches(matchers: readonly RbacMatcher[], request: RbacRequest): boolean {
  for (const matcher of matchers) if (matcher(request)) return true;
  return false;
}

export function everyMatches(matchers: readonly RbacMatcher[], request: RbacRequest): boolean {
  for (const matcher of matchers) if (!matcher(request)) return false;
  return true;
}

const NO_HEADERS: IncomingHttpHeaders = {};

/** Whether every engine allows a connection: network RBAC sees only its peer and port. */
export function isConnectionAllowed(
  engines: readonly RbacEngine[],
  principal: string | undefined,
  port: number | undefined,
): boolean {
  const request: RbacRequest = { headers: NO_HEADERS, method: undefined, path: '', port, principal };
  for (const engine of engines) if (!engine.isAllowed(request)) return false;
  return true;
}
