// One upstream endpoint (address:port, in plaintext or mutual TLS): its HTTP/1.1 keep-alive
// connection pool and its HTTP/2 session (each opened when a request first needs it) and its
// counters. Hosts outlive config versions (host-registry.ts), so an endpoint that survives an
// update keeps all of them, its TLS connections and session included.
import { connect, isIPv6, type Socket } from 'node:net';
import type { buildConnector } from 'undici';
import { H2Client } from './h2-client.js';
import { Pool } from './undici-pool.js';
import { ALPN_HTTP1, connectTls, failure, type TlsSessionCache, type UpstreamTls } from './upstream-tls.js';

// Below Node's default server keepAliveTimeout (5 s): we drop an idle connection before the app
// does, so a request never races the app's close (the keep-alive 503).
const KEEP_ALIVE_TIMEOUT_MS = 4000;

/**
 * address:port, [address]:port for IPv6. Joined into one flat string: a sidecar keeps one per
 * endpoint of the mesh, and a concatenation would keep its parts besides (three strings, not one).
 */
export function hostKey(address: string, port: number): string {
  return [isIPv6(address) ? `[${address}]` : address, port].join(':');
}

export class UpstreamHost {
  /** address:port */
  readonly key: string;
  // Opened on first use: a sidecar holds every endpoint of the mesh, and calls few of them.
  #pool: Pool | undefined;
  #h2: H2Client | undefined;
  #isClosed = false;
  // Counters, kept on the host itself (a sidecar holds one host per endpoint of the mesh).
  /** Requests sent to this host (rq_total). */
  requests = 0;
  /** Requests in flight (rq_active). */
  activeRequests = 0;
  /** Connection attempts that failed (cx_connect_fail). */
  connectFailures = 0;
  /** Connections reset before response headers (Envoy's UC). */
  resets = 0;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly connectTimeoutMs: number,
    /** The cluster's idle_timeout (HttpProtocolOptions); the default below when unset. */
    readonly idleTimeoutMs: number = KEEP_ALIVE_TIMEOUT_MS,
    /** Mutual TLS to the endpoint's sidecar; plaintext when undefined. */
    readonly tls?: UpstreamTls,
  ) {
    this.key = hostKey(address, port);
  }

  /** HTTP/1.1: a keep-alive pool, opened on first use. */
  get dispatcher(): Pool {
    if (this.#pool === undefined) {
      this.#pool = new Pool(`http://${this.key}`, {
        connect: this.tls === undefined ? { timeout: this.connectTimeoutMs } : this.#tlsConnector(this.tls),
        keepAliveTimeout: this.idleTimeoutMs,
        keepAliveMaxTimeout: this.idleTimeoutMs,
        // Bodies stream for as long as the app sends (SSE, long polls); timeouts are route policy
        // (a later issue), not a transport default that cuts streams at 300 s.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      // A host closed before its first request (an old config version's) refuses it, as a closed pool does.
      if (this.#isClosed) void this.#pool.close();
    }
    return this.#pool;
  }

  /** The TLS session of the last handshake with this endpoint, resumed by the next connection (TLS hosts only). */
  #sessions: TlsSessionCache | undefined;

  /** The session cache, made when the host first dials TLS. */
  #tlsSessions(): TlsSessionCache {
    return (this.#sessions ??= { session: undefined });
  }

  /** HTTP/2 (h2c, or h2 over mutual TLS): one multiplexed session, opened on first use. */
  get h2(): H2Client {
    return (this.#h2 ??= new H2Client(this, this.connectTimeoutMs, this.idleTimeoutMs));
  }

  /**
   * A new connection to the endpoint speaking `alpn` (under TLS), ready at its `readyEvent`:
   * for HTTP/2, TCP passthrough and upgrades, which do not go through the HTTP/1.1 pool.
   */
  openSocket(alpn: string): Socket {
    if (this.tls === undefined) return connect({ host: this.address, port: this.port, noDelay: true });
    return connectTls(this.address, this.port, this.tls, alpn, this.#tlsSessions());
  }

  /** When a socket from openSocket() can carry bytes: after the TLS handshake under TLS. */
  get readyEvent(): 'connect' | 'secureConnect' {
    return this.tls === undefined ? 'connect' : 'secureConnect';
  }

  #tlsConnector(tls: UpstreamTls): buildConnector.connector {
    return (_options, callback) => {
      const socket = connectTls(this.address, this.port, tls, ALPN_HTTP1, this.#tlsSessions());
      const timer = setTimeout(
        () => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' })),
        this.connectTimeoutMs,
      );
      const onError = (error: Error & { code?: string }): void => {
        clearTimeout(timer);
        callback(error.code === 'UND_ERR_CONNECT_TIMEOUT' ? error : failure(this.address, this.port, error), null);
      };
      socket.once('error', onError);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        callback(null, socket);
      });
      return socket;
    };
  }

  /** Connections open now to this host, HTTP/1.1 and HTTP/2 (cx_active). */
  get connections(): number {
    return (this.#pool?.stats.connected ?? 0) + (this.#h2?.connections ?? 0);
  }

  /** Lets in-flight requests finish, then closes the connections. */
  async close(): Promise<void> {
    this.#isClosed = true;
    await Promise.all([this.#pool?.close(), this.#h2?.close()]);
  }
}
