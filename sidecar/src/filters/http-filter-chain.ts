// A listener's HTTP filters in their configured order, built once when its config version compiles.
// The chain runs the filters over a request and ends in the router, which the caller hands in: a
// filter that answers or a client that leaves during a delay stops the request before it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { localReply } from '../upstream/local-reply.js';
import type { HttpFilter, LocalReplyVerdict, RouteFilterConfig } from './http-filter.js';

/** Where a request goes once every filter let it: the router's forwarding of the matched route. */
export type ChainEnd<T> = (context: T) => void;

export class HttpFilterChain {
  constructor(readonly filters: readonly HttpFilter[]) {}

  /** Runs the filters from `from` on; `end(context)` once they all let the request go on. */
  decode<T>(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteFilterConfig,
    end: ChainEnd<T>,
    context: T,
    from = 0,
  ): void {
    const { filters } = this;
    for (let index = from; index < filters.length; index++) {
      const verdict = (filters[index] as HttpFilter).decodeHeaders(req.headers, route, req);
      if (verdict === undefined) continue;
      if (verdict.kind === 'reply') {
        reply(res, verdict);
        return;
      }
      setTimeout(resume, verdict.delayMs, this, req, res, route, end, context, index + 1, verdict.then);
      return;
    }
    end(context);
  }
}

export const NO_FILTERS = new HttpFilterChain([]);

function resume<T>(
  chain: HttpFilterChain,
  req: IncomingMessage,
  res: ServerResponse,
  route: RouteFilterConfig,
  end: ChainEnd<T>,
  context: T,
  from: number,
  then: LocalReplyVerdict | undefined,
): void {
  if (res.destroyed) return;
  if (then !== undefined) reply(res, then);
  else chain.decode(req, res, route, end, context, from);
}

function reply(res: ServerResponse, verdict: LocalReplyVerdict): void {
  localReply(res, verdict.status, verdict.message, verdict.flag, verdict.headers);
}
