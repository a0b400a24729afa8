// The upstream hosts in use, by address:port, shared by every config version: compiling a new
// version asks for hosts here and then retains only those it uses, closing the pools of
// endpoints that disappeared.
import { hostKey, UpstreamHost } from './upstream-host.js';
import { upstreamTlsKey, type UpstreamTls } from './upstream-tls.js';

export class HostRegistry {
  readonly #hosts = new Map<string, UpstreamHost>();

  /** This workload's certificate, for endpoints reached in mutual TLS; none: the config may ask for none. */
  constructor(readonly mutualTls?: Omit<UpstreamTls, 'subjectAltNames'>) {}

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
    const key = registryKey(address, port, tls);
    let host = this.#hosts.get(key);
    if (host === undefined) {
      host = new UpstreamHost(address, port, connectTimeoutMs, idleTimeoutMs, tls);
      this.#hosts.set(key, host);
    }
    return host;
  }

  has(host: UpstreamHost): boolean {
    return this.#hosts.get(registryKey(host.address, host.port, host.tls)) === host;
  }

  /** Closes (in-flight requests finish first) every host not in `inUse`. */
  retain(inUse: ReadonlySet<UpstreamHost>): void {
    for (const [key, host] of this.#hosts) {
      if (inUse.has(host)) continue;
      this.#hosts.delete(key);
      // A pool's close only fails when it is already closed: nothing is lost by ignoring that.
      host.close().catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    const hosts = [...this.#hosts.values()];
    this.#hosts.clear();
    await Promise.all(hosts.map((host) => host.close().catch(() => undefined)));
  }
}

function registryKey(address: string, port: number, tls: UpstreamTls | undefined): string {
  return tls === undefined ? hostKey(address, port) : `${hostKey(address, port)}|${upstreamTlsKey(tls)}`;
}
