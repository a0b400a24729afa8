// What one ADS stream subscribes to of one type (state of the world): the names or the wildcard, the
// hash last sent per name, and the version and nonce last sent and answered (its status).
import type { ResourceTypeUrl } from '../../../proto/xds.js';
import type { TypeStatus } from './proxy-status.js';

export interface Subscription {
  typeUrl: ResourceTypeUrl;
  wildcard: boolean;
  names: Set<string>;
  /**
   * For a named subscription, per resource name the hash last sent on this stream: a push that
   * changes none of them is skipped. A wildcard subscription gets every change of its type and
   * compares versions instead (a map per stream of every resource would not scale to fleets).
   */
  sentHashes: Map<string, string>;
  status: TypeStatus;
  /** When the response awaiting an answer was sent (performance.now()). */
  sentAt: number;
  /** A response is owed but held back until the registry is warm. */
  isHeld: boolean;
}

export function newSubscription(typeUrl: ResourceTypeUrl): Subscription {
  return {
    typeUrl,
    wildcard: false,
    names: new Set(),
    sentHashes: new Map(),
    sentAt: 0,
    isHeld: false,
    status: {
      subscribed: [],
      sentVersion: '',
      sentNonce: '',
      sentResources: 0,
      ackedVersion: '',
      ackedNonce: '',
      inSync: false,
      nackCount: 0,
    },
  };
}

/** Applies the request's resource_names; returns whether the subscription changed. */
export function updateNames(subscription: Subscription, names: readonly string[], isFirst: boolean): boolean {
  // SotW: an empty first request, or an explicit "*", subscribes to every resource of the type.
  const wildcard = names.includes('*') || (names.length === 0 && (isFirst || subscription.wildcard));
  // Every ACK repeats the names: the same ones cost no allocation.
  if (!isFirst && wildcard === subscription.wildcard && hasExactly(subscription.names, names)) return false;
  const explicit = new Set(names.filter((name) => name !== '*'));
  const changed =
    wildcard !== subscription.wildcard ||
    explicit.size !== subscription.names.size ||
    [...explicit].some((name) => !subscription.names.has(name));
  subscription.wildcard = wildcard;
  subscription.names = explicit;
  subscription.status.subscribed = wildcard ? '*' : [...explicit].sort();
  return changed;
}

/** Whether `names` (without "*") are exactly the set `current`; a repeated name answers no. */
function hasExactly(current: ReadonlySet<string>, names: readonly string[]): boolean {
  let count = 0;
  for (const name of names) {
    if (name === '*') continue;
    if (!current.has(name)) return false;
    count++;
  }
  return count === current.size;
}
