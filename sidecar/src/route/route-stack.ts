// Builds a route's stack once, when its config compiles: route timeout → retries (with the
// cluster's budget) → per-try timeout → mirror → cluster. A layer a route does not use is left out.
import { dispatchToCluster } from '../cluster/cluster-dispatch.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import { compose, type RouteDispatch, type RouteLayer } from './forwarded-request.js';
import { mirror } from './mirror.js';
import { perTryTimeout } from './per-try-timeout.js';
import { retries } from './retries.js';
import { routeTimeout } from './route-timeout.js';

export function routeStack(retry: RetryPolicy | undefined, hasMirrors: boolean): RouteDispatch {
  const layers: RouteLayer[] = [routeTimeout];
  if (retry !== undefined) layers.push(retries(retry));
  if (retry !== undefined && retry.perTryTimeoutMs > 0) layers.push(perTryTimeout(retry.perTryTimeoutMs));
  if (hasMirrors) layers.push(mirror(dispatchToCluster));
  return compose(dispatchToCluster, layers);
}
