// What a route does with a request it matched (Envoy's RouteAction), compiled once per config
// version: where it goes, how long it may take, how it is retried, rewritten, edited,
// mirrored and hashed, and what it configures for the HTTP filters.
import type { RouteFilterConfig } from '../filters/http-filter.js';
import { singleCluster, type ClusterChoice } from './cluster-choice.js';
import type { HashPolicy } from './hash-policy.js';
import type { HeaderEdits } from '../http/header-edits.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import type { RouteDispatch } from '../route/forwarded-request.js';
import { routeStack } from '../route/route-stack.js';

export interface PathRewrite {
  /** The matched prefix (or exact path) that the replacement takes the place of. */
  matched: string;
  replacement: string;
}

export interface MirrorPolicy {
  cluster: string;
  perMillion: number;
}

export interface RouteAction {
  clusters: ClusterChoice;
  /** The whole exchange, until the response ends; 0: no timeout. */
  timeoutMs: number;
  retry: RetryPolicy | undefined;
  prefixRewrite: PathRewrite | undefined;
  hostRewrite: string | undefined;
  requestHeaders: HeaderEdits | undefined;
  responseHeaders: HeaderEdits | undefined;
  /** What the route configures for the listener's HTTP filters (rate limit, fault). */
  filterConfig: RouteFilterConfig;
  mirrors: readonly MirrorPolicy[];
  hashPolicy: readonly HashPolicy[];
  /** The route's stack (route-stack.ts), built with it: where the router hands the request. */
  dispatch: RouteDispatch;
}

/** A route action that only forwards to one cluster. */
export function forwardTo(cluster: string): RouteAction {
  return {
    clusters: singleCluster(cluster),
    timeoutMs: 0,
    retry: undefined,
    prefixRewrite: undefined,
    hostRewrite: undefined,
    requestHeaders: undefined,
    responseHeaders: undefined,
    filterConfig: { routeName: '', rateLimit: undefined, fault: undefined },
    mirrors: [],
    hashPolicy: [],
    dispatch: routeStack(undefined, false),
  };
}
