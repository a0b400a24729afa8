// The HTTP filter interface (Envoy's http_filters): each filter of a listener's chain looks at a
// request's headers, with what the matched route configures for it, and lets the request go on,
// answers it itself (a local reply: 429, a fault abort), or holds it first (a fault delay).
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { ResponseFlag } from '../http/response-flag.js';
import type { Fault } from './fault.js';
import type { LocalRateLimiter } from './local-rate-limit.js';

/** What a route configures for the filters (typed_per_filter_config), compiled with the route. */
export interface RouteFilterConfig {
  /** The route's name, for the messages of local replies. */
  routeName: string;
  /** The route's own local rate limit; undefined: the listener's, if any. */
  rateLimit: LocalRateLimiter | undefined;
  fault: Fault | undefined;
}

/** The filter answers the request itself; the router never sees it. */
export interface LocalReplyVerdict {
  kind: 'reply';
  status: number;
  message: string;
  flag: ResponseFlag;
  headers?: OutgoingHttpHeaders;
}

/** The request waits, then goes on, or gets `then` as its answer. */
export interface DelayVerdict {
  kind: 'delay';
  delayMs: number;
  then: LocalReplyVerdict | undefined;
}

/** undefined: the request goes on to the next filter. */
export type FilterVerdict = LocalReplyVerdict | DelayVerdict | undefined;

export interface HttpFilter {
  /** `req`: the request itself, for what its headers do not say (its connection's peer and port). */
  decodeHeaders(headers: IncomingHttpHeaders, route: RouteFilterConfig, req: IncomingMessage): FilterVerdict;
}
