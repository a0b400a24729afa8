// One upstream endpoint (address:port) with its keep-alive connection pool and counters. Hosts
// outlive config versions: an EDS update that keeps an endpoint keeps its warm connections.
import { Pool } from 'undici';

export interface HostStats {
  requests: number;
  active: number;
  connectFailures: number;
  resets: number;
}

// Below Node's default server keepAliveTimeout (5 s): we close an idle connection before the app
// does, so a request never races the app's close (the keep-alive 503).
const KEEP_ALIVE_TIMEOUT_MS = 4000;

export class UpstreamHost {
  readonly key: string;
  readonly pool: Pool;
  readonly stats: HostStats = { requests: 0, active: 0, connectFailures: 0, resets: 0 };

  constructor(
    readonly address: string,
    readonly port: number,
    connectTimeoutMs: number,
  ) {
    this.key = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
    this.pool = new Pool(`http://${this.key}`, {
      connect: { timeout: connectTimeoutMs },
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // Responses stream for as long as the app sends; timeouts are route policy, not transport.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }
}

/** The hosts in use, by address:port; a host that no config uses any more has its pool closed. */
export class HostRegistry {
  #hosts = new Map<string, UpstreamHost>();

  get(address: string, port: number, connectTimeoutMs: number): UpstreamHost {
    const key = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
    let host = this.#hosts.get(key);
    if (!host) this.#hosts.set(key, (host = new UpstreamHost(address, port, connectTimeoutMs)));
    return host;
  }

  /** Closes (gracefully: in-flight requests finish) every host not in `inUse`. */
  retain(inUse: ReadonlySet<UpstreamHost>): void {
    for (const [key, host] of this.#hosts) {
      if (inUse.has(host)) continue;
      this.#hosts.delete(key);
      host.pool.close().catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    const hosts = [...this.#hosts.values()];
    this.#hosts.clear();
    await Promise.all(hosts.map((host) => host.pool.close().catch(() => undefined)));
  }
}
