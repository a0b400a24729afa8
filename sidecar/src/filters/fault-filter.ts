// The fault filter (envoy.filters.http.fault): for the routes that configure a fault, delays a share
// of requests by a fixed time and answers a share with an error status instead of forwarding them.
// As Envoy's, a delayed request that is also aborted gets its abort once the delay has passed.
import type { FilterVerdict, HttpFilter, LocalReplyVerdict, RouteFilterConfig } from './http-filter.js';
import { hits } from './fault.js';

export class FaultFilter implements HttpFilter {
  constructor(readonly random: () => number = Math.random) {}

  decodeHeaders(_headers: unknown, route: RouteFilterConfig): FilterVerdict {
    const { fault } = route;
    if (fault === undefined) return undefined;
    // Envoy's FI: fault injected.
    const abort: LocalReplyVerdict | undefined = hits(fault.abortPerMillion, this.random)
      ? {
          kind: 'reply',
          status: fault.abortStatus,
          message: `fault filter abort (route "${route.routeName}")`,
          flag: 'FI',
        }
      : undefined;
    if (hits(fault.delayPerMillion, this.random)) return { kind: 'delay', delayMs: fault.delayMs, then: abort };
    return abort;
  }
}
