// The HTTP/2 sessions a proxy listener has open: each one's verified peer under mutual TLS, its
// rapid reset limit, and its GOAWAY when it opens no stream in time or the listener drains.
import type { Http2Session, ServerHttp2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { PROCESS_MEMORY, type MemoryAfterAbuse } from './memory-after-abuse.js';
import { limitPrematureResets, PREMATURE_RESET_TOTAL_STREAM_COUNT } from './premature-reset.js';
import { verifiedPeer, type VerifiedPeer } from './source-identity.js';

export class ListenerSessions {
  readonly #sessions = new Set<Http2Session>();
  // The verified peer of each mutual TLS h2 connection, by its session (made as it is handed over).
  readonly #peers = new WeakMap<Http2Session, VerifiedPeer>();
  #handedOverPeer: VerifiedPeer | undefined;

  constructor(
    readonly name: string,
    readonly logger: Logger,
    readonly memory: MemoryAfterAbuse = PROCESS_MEMORY,
  ) {}

  /** A session the h2 server made: closed at once while draining, else if it opens no stream within `requestHeadersTimeoutMs()`. */
  add(session: Http2Session, isDraining: boolean, requestHeadersTimeoutMs: () => number): void {
    this.#sessions.add(session);
    if (this.#handedOverPeer !== undefined) this.#peers.set(session, this.#handedOverPeer);
    const resets = limitPrematureResets(session as ServerHttp2Session, (counts) =>
      this.logger.warn(
        { listener: this.name, remote: session.socket?.remoteAddress, ...counts },
        'HTTP/2 connection closed with GOAWAY: its client reset most streams at once (rapid reset)',
      ),
    );
    session.once('close', () => {
      this.#sessions.delete(session);
      // Closed by this limit or by nghttp2's own (it fires first on some Node.js lines): either way
      // its client cancelled streams by the hundred, and their garbage is for the GC to give back.
      if (resets.premature >= PREMATURE_RESET_TOTAL_STREAM_COUNT / 2) this.memory.release();
    });
    // While draining, a GOAWAY at once: the client opens no new streams here.
    if (isDraining) session.close();
    else closeWithoutFirstRequest(session, requestHeadersTimeoutMs());
  }

  /** Hands a mutual TLS connection to the h2 server, which makes the session, and emits it, as it takes the connection. */
  handOver(socket: TLSSocket, emitConnection: () => void): void {
    this.#handedOverPeer = verifiedPeer(socket);
    emitConnection();
    this.#handedOverPeer = undefined;
  }

  peerOf(session: Http2Session): VerifiedPeer | undefined {
    return this.#peers.get(session);
  }

  /** GOAWAY on every session: streams in flight finish, no new ones open. */
  closeAll(): void {
    for (const session of this.#sessions) session.close();
  }

  destroyAll(): void {
    for (const session of this.#sessions) session.destroy();
  }
}

/** An h2 connection that opens no stream within `timeoutMs` of its start gets GOAWAY and is closed (slowloris). */
function closeWithoutFirstRequest(session: Http2Session, timeoutMs: number): void {
  const timer = setTimeout(() => session.close(), timeoutMs);
  const clear = (): void => clearTimeout(timer);
  session.once('stream', clear);
  session.once('close', clear);
}
