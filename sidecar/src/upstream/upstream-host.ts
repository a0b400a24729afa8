// One upstream endpoint (address:port): its HTTP/1.1 keep-alive connection pool, its HTTP/2
// session (opened when a cluster first sends h2 to it) and its counters. Hosts outlive config
// versions (host-registry.ts), so an endpoint that survives an update keeps all of them.
import { isIPv6 } from 'node:net';
import { Pool } from 'undici';
import { H2Client } from './h2-client.js';

export interface HostStats {
  /** Requests sent to this host (rq_total). */
  requests: number;
  /** Requests in flight (rq_active). */
  active: number;
  /** Connection attempts that failed (cx_connect_fail). */
  connectFailures: number;
  /** Connections reset before response headers (Envoy's UC). */
  resets: number;
}

// Below Node's default server keepAliveTimeout (5 s): we drop an idle connection before the app
// does, so a request never races the app's close (the keep-alive 503).
const KEEP_ALIVE_TIMEOUT_MS = 4000;

export function hostKey(address: string, port: number): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

export class UpstreamHost {
  readonly key: string;
  /** HTTP/1.1. */
  readonly dispatcher: Pool;
  #h2: H2Client | undefined;
  readonly stats: HostStats = { requests: 0, active: 0, connectFailures: 0, resets: 0 };

  constructor(
    readonly address: string,
    readonly port: number,
    readonly connectTimeoutMs: number,
    /** The cluster's idle_timeout (HttpProtocolOptions); the default below when unset. */
    readonly idleTimeoutMs: number = KEEP_ALIVE_TIMEOUT_MS,
  ) {
    this.key = hostKey(address, port);
    this.dispatcher = new Pool(`http://${this.key}`, {
      connect: { timeout: connectTimeoutMs },
      keepAliveTimeout: idleTimeoutMs,
      keepAliveMaxTimeout: idleTimeoutMs,
      // Bodies stream for as long as the app sends (SSE, long polls); timeouts are route policy
      // (a later issue), not a transport default that cuts streams at 300 s.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /** HTTP/2 (h2c): one multiplexed session, opened on first use. */
  get h2(): H2Client {
    return (this.#h2 ??= new H2Client(this.address, this.port, this.connectTimeoutMs, this.idleTimeoutMs));
  }

  /** Connections open now to this host, HTTP/1.1 and HTTP/2 (cx_active). */
  get connections(): number {
    return this.dispatcher.stats.connected + (this.#h2?.connections ?? 0);
  }

  /** Lets in-flight requests finish, then closes the connections. */
  async close(): Promise<void> {
    await Promise.all([this.dispatcher.close(), this.#h2?.close()]);
  }
}
