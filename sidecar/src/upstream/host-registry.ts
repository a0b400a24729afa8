// The upstream hosts in use, by address:port, shared by every config version: compiling a new
// version asks for hosts here and then retains only those it uses, closing the pools of
// endpoints that disappeared.
import { hostKey, UpstreamHost } from './upstream-host.js';

export class HostRegistry {
  readonly #hosts = new Map<string, UpstreamHost>();

  /**
   * The host for address:port, created on first use. Its connect timeout is the one it was
   * created with, and so is its idle timeout: pools are per endpoint, and one endpoint in two
   * clusters gets one pool.
   */
  get(address: string, port: number, connectTimeoutMs: number, idleTimeoutMs?: number): UpstreamHost {
    const key = hostKey(address, port);
    let host = this.#hosts.get(key);
    if (host === undefined) {
      host = new UpstreamHost(address, port, connectTimeoutMs, idleTimeoutMs);
      this.#hosts.set(key, host);
    }
    return host;
  }

  has(host: UpstreamHost): boolean {
    return this.#hosts.get(host.key) === host;
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
