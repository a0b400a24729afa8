// The upstream hosts in use, by address:port, shared by every config version: compiling a new
// version asks for hosts here and then retains only those it uses, closing the pools of
// endpoints that disappeared. A sidecar holds a host per endpoint of the mesh, so a host costs
// one key string (its own) and shares its TLS setting with the other hosts of its destination.
import { hostKey, UpstreamHost } from './upstream-host.js';
import { upstreamTlsKey, type UpstreamTls } from './upstream-tls.js';

/** The group of the hosts reached in plaintext; those in mutual TLS are grouped by upstreamTlsKey. */
const PLAINTEXT = '';

export class HostRegistry {
  /** By TLS setting (PLAINTEXT, or its upstreamTlsKey), then by the host's key. */
  readonly #groups = new Map<string, Map<string, UpstreamHost>>();
  /** One TLS setting per set of names a config version compiled, and its key. */
  readonly #tlsByNames = new WeakMap<ReadonlySet<string>, UpstreamTls>();
  readonly #tlsKeys = new WeakMap<UpstreamTls, string>();

  /** This workload's certificate, for endpoints reached in mutual TLS; none: the config may ask for none. */
  constructor(readonly mutualTls?: Omit<UpstreamTls, 'subjectAltNames'>) {}

  /** Mutual TLS to endpoints that may present `subjectAltNames`, with this workload's certificate: one object per set. */
  mutualTlsTo(subjectAltNames: ReadonlySet<string>): UpstreamTls | undefined {
    if (this.mutualTls === undefined) return undefined;
    let tls = this.#tlsByNames.get(subjectAltNames);
    if (tls === undefined) {
      tls = { ...this.mutualTls, subjectAltNames };
      this.#tlsByNames.set(subjectAltNames, tls);
    }
    return tls;
  }

  /**
   * The host for address:port, created on first use. Its connect timeout is the one it was
   * created with, and so is its idle timeout: pools are per endpoint, and one endpoint in two
   * clusters gets one pool.
   */
  get(
    address: string,
    port: number,
    connectTimeoutMs: number,
    idleTimeoutMs?: number,
    /** Mutual TLS to it: an endpoint reached in plaintext and in TLS (or with other identities) has a pool for each. */
    tls?: UpstreamTls,
  ): UpstreamHost {
    const groupKey = this.#groupKey(tls);
    let group = this.#groups.get(groupKey);
    if (group === undefined) {
      group = new Map();
      this.#groups.set(groupKey, group);
    }
    let host = group.get(hostKey(address, port));
    if (host === undefined) {
      host = new UpstreamHost(address, port, connectTimeoutMs, idleTimeoutMs, tls);
      group.set(host.key, host);
    }
    return host;
  }

  has(host: UpstreamHost): boolean {
    return this.#groups.get(this.#groupKey(host.tls))?.get(host.key) === host;
  }

  /** Closes (in-flight requests finish first) every host not in `inUse`. */
  retain(inUse: ReadonlySet<UpstreamHost>): void {
    for (const [groupKey, group] of this.#groups) {
      for (const [key, host] of group) {
        if (inUse.has(host)) continue;
        group.delete(key);
        // A pool's close only fails when it is already closed: nothing is lost by ignoring that.
        host.close().catch(() => undefined);
      }
      if (group.size === 0) this.#groups.delete(groupKey);
    }
  }

  async closeAll(): Promise<void> {
    const hosts = [...this.#groups.values()].flatMap((group) => [...group.values()]);
    this.#groups.clear();
    await Promise.all(hosts.map((host) => host.close().catch(() => undefined)));
  }

  #groupKey(tls: UpstreamTls | undefined): string {
    if (tls === undefined) return PLAINTEXT;
    let key = this.#tlsKeys.get(tls);
    if (key === undefined) {
      key = upstreamTlsKey(tls);
      this.#tlsKeys.set(tls, key);
    }
    return key;
  }
}
