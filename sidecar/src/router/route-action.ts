// What a route does with a request it matched (Envoy's RouteAction), compiled once per config
// version: where it goes, how long it may take, how it is retried, rewritten, edited, faulted,
// mirrored and hashed.
import type { LocalRateLimiter } from '../filters/local-rate-limit.js';
import { singleCluster, type ClusterChoice } from './cluster-choice.js';
import type { Fault } from './fault.js';
import type { HashPolicy } from './hash-policy.js';
import type { HeaderEdits } from './header-edits.js';
import type { RetryPolicy } from './retry-policy.js';

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
  fault: Fault | undefined;
  /** The local rate limit of this route; undefined: the listener's, if any. */
  rateLimit: LocalRateLimiter | undefined;
  mirrors: readonly MirrorPolicy[];
  hashPolicy: readonly HashPolicy[];
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
    fault: undefined,
    rateLimit: undefined,
    mirrors: [],
    hashPolicy: [],
  };
}
