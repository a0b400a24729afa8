// The local rate limit filter (envoy.filters.http.local_ratelimit) of a listener: a request over the
// quota of its route's limiter, or else of the listener's own, is answered here (429 by default).
import type { IncomingHttpHeaders } from 'node:http';
import type { FilterVerdict, HttpFilter, RouteFilterConfig } from './http-filter.js';
import type { LocalRateLimiter } from './local-rate-limit.js';

export class LocalRateLimitFilter implements HttpFilter {
  /** `listenerLimit`: the filter's own config, for routes without one; undefined: those pass. */
  constructor(readonly listenerLimit: LocalRateLimiter | undefined) {}

  decodeHeaders(headers: IncomingHttpHeaders, route: RouteFilterConfig): FilterVerdict {
    const limiter = route.rateLimit ?? this.listenerLimit;
    if (limiter === undefined) return undefined;
    const limited = limiter.check(headers);
    if (limited === undefined) return undefined;
    // Envoy's RL: rate limited.
    return {
      kind: 'reply',
      status: limited.status,
      message: `local rate limit exceeded (route "${route.routeName}")`,
      flag: 'RL',
      headers: limited.headers,
    };
  }
}
