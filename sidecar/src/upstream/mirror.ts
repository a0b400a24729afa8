// Request mirroring (request_mirror_policies): a copy of the request goes to another cluster and
// its response is dropped. The copy is sent on the side: the caller's request never waits for
// it, and its failure is nobody's error. As in Envoy, the copy's Host gets a "-shadow" suffix.
import type { Dispatcher } from 'undici';
import type { Cluster } from '../cluster/cluster.js';

class Discard implements Dispatcher.DispatchHandler {
  constructor(readonly release: () => void) {}
  // undici takes a handler for its current API by this method.
  onRequestStart(): void {}
  onResponseEnd(): void {
    this.release();
  }
  onResponseError(): void {
    this.release();
  }
}

export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(':');
  const hasPort = colon !== -1 && !authority.endsWith(']');
  return hasPort ? `${authority.slice(0, colon)}-shadow${authority.slice(colon)}` : `${authority}-shadow`;
}

/** Sends a copy to `cluster` if it admits it; `headers` is the flat list sent upstream, Host first. */
export function mirror(
  cluster: Cluster,
  isHttp2: boolean,
  method: string,
  path: string,
  headers: readonly string[],
  body: Buffer | null,
  hashKey: string | undefined,
): void {
  if (!cluster.admitRequest()) return;
  const endpoint = cluster.pick(hashKey);
  if (endpoint === undefined) {
    cluster.releaseRequest();
    return;
  }
  const copy = headers.slice();
  copy[1] = shadowAuthority(copy[1] as string);
  const stats = endpoint.host.stats;
  stats.requests++;
  stats.active++;
  const release = () => {
    stats.active--;
    cluster.releaseRequest();
  };
  const dispatcher = isHttp2 ? endpoint.host.h2 : endpoint.host.dispatcher;
  dispatcher.dispatch({ method: method, path, headers: copy, body }, new Discard(release));
}
