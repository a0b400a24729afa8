// The HTTP/2 (cleartext, h2c) upstream of one endpoint: one multiplexed session, opened on first
// use, opened again after a GOAWAY, close or error, and closed after the idle timeout. It takes
// the same dispatch(options, handler) calls as undici's Pool, so the upstream request layer does
// not care which protocol an endpoint speaks. undici's own h2 client cannot be used here: it runs
// one non-idempotent (POST) or streaming-body request at a time per connection, which rules out
// multiplexing gRPC calls and long-lived streams.
import type { Socket } from 'node:net';
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { Dispatcher } from 'undici';
import { H2Error, H2StreamController, type H2DispatchOptions } from './h2-dispatch.js';
import { toH2Headers } from './h2-headers.js';
import { dropBody, kExchange, listenToStream, streamExchange, type ExchangeStream } from './h2-stream-exchange.js';
import { ALPN_H2, TLS_CONNECT_FAILURE } from './upstream-tls.js';

const { NGHTTP2_REFUSED_STREAM } = constants;

/** Where an H2Client connects: h2c, or h2 over mutual TLS. */
export interface H2Endpoint {
  readonly address: string;
  readonly port: number;
  openSocket(alpn: string): Socket;
  /** Mutual TLS: failed connections carry TLS_CONNECT_FAILURE. */
  readonly tls?: unknown;
}

export class H2Client {
  #session: ClientHttp2Session | undefined;
  #isConnected = false;
  #pending: Array<[H2DispatchOptions, H2StreamController]> = [];
  /** Each session's socket and open streams: a session left behind (GOAWAY, idle) goes when it has none. */
  readonly #sessions = new Map<ClientHttp2Session, { socket: Socket; streams: number }>();
  #idleTimer: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(
    readonly endpoint: H2Endpoint,
    readonly connectTimeoutMs: number,
    readonly idleTimeoutMs: number,
  ) {}

  dispatch(options: H2DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const controller = new H2StreamController(handler);
    handler.onRequestStart?.(controller, {});
    if (controller.aborted) return true;
    if (this.#isClosed) {
      controller.fail(new H2Error('HTTP/2 client closed', 'UND_ERR_DESTROYED'));
      return true;
    }
    clearTimeout(this.#idleTimer);
    const session = this.#session ?? this.#connect();
    if (this.#isConnected) this.#request(session, options, controller);
    else this.#pending.push([options, controller]);
    return true;
  }

  /** HTTP/2 connections open now (a session left behind after a GOAWAY counts until it goes). */
  get connections(): number {
    return this.#sessions.size;
  }

  /** Lets open streams finish, then closes the session. */
  close(): Promise<void> {
    this.#isClosed = true;
    clearTimeout(this.#idleTimer);
    const session = this.#session;
    this.#session = undefined;
    if (session === undefined || session.destroyed) return Promise.resolve();
    if ((this.#sessions.get(session)?.streams ?? 0) === 0) {
      this.#drop(session);
      return Promise.resolve();
    }
    return new Promise((resolve) => session.close(() => resolve()));
  }

  #connect(): ClientHttp2Session {
    const { address, port } = this.endpoint;
    const socket = this.endpoint.openSocket(ALPN_H2);
    socket.setNoDelay(true);
    const session = connect(`${this.endpoint.tls === undefined ? 'http' : 'https'}://${address}:${port}`, {
      createConnection: () => socket,
      settings: { enablePush: false },
    });
    this.#session = session;
    this.#sessions.set(session, { socket, streams: 0 });
    this.#isConnected = false;
    const timer = setTimeout(
      () =>
        session.destroy(new H2Error(`connect timeout after ${this.connectTimeoutMs} ms`, 'UND_ERR_CONNECT_TIMEOUT')),
      this.connectTimeoutMs,
    );
    session.once('connect', () => {
      clearTimeout(timer);
      this.#isConnected = true;
      const pending = this.#pending;
      this.#pending = [];
      for (const [options, controller] of pending) if (!controller.aborted) this.#request(session, options, controller);
    });
    // Whatever ends a session, the next request opens a new one (a GOAWAY refuses new streams).
    const forget = (error?: Error & { code?: string }): void => {
      clearTimeout(timer);
      if (this.#session !== session) return;
      this.#session = undefined;
      if (this.#isConnected) return;
      // It never connected: what waited for it failed to connect (ECONNREFUSED, a timeout, …).
      const cause = error ?? new H2Error('connection closed', 'ECONNRESET');
      const code =
        this.endpoint.tls !== undefined && cause.code !== 'UND_ERR_CONNECT_TIMEOUT' ? TLS_CONNECT_FAILURE : cause.code;
      const failure = new H2Error(
        `HTTP/2 connection to ${address}:${port} failed: ${cause.message}`,
        code ?? 'ECONNREFUSED',
        {
          cause,
        },
      );
      const pending = this.#pending;
      this.#pending = [];
      for (const [, controller] of pending) controller.fail(failure);
    };
    // After a GOAWAY the streams in flight finish; then the session goes.
    session.once('goaway', () => {
      forget();
      this.#release(session);
    });
    session.once('close', () => {
      forget();
      this.#drop(session);
    });
    session.on('error', forget);
    return session;
  }

  /** No stream open for the idle timeout: close the session (the next request opens another). */
  #closeIdle(session: ClientHttp2Session): void {
    if (this.#session === session) this.#session = undefined;
    this.#release(session);
  }

  /** Drops a session no longer in use once its last stream is done. */
  #release(session: ClientHttp2Session): void {
    if ((this.#sessions.get(session)?.streams ?? 0) === 0) this.#drop(session);
  }

  /** Destroys the session and its socket: a session destroyed after a GOAWAY can leave its socket open. */
  #drop(session: ClientHttp2Session): void {
    const entry = this.#sessions.get(session);
    this.#sessions.delete(session);
    session.destroy();
    entry?.socket.destroy();
  }

  #request(session: ClientHttp2Session, options: H2DispatchOptions, controller: H2StreamController): void {
    const { body } = options;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(toH2Headers(options), { endStream: body === null });
    } catch (error) {
      controller.fail(
        new H2Error((error as Error).message, (error as { code?: string }).code ?? 'UND_ERR_INVALID_ARG', {
          cause: error,
        }),
      );
      return;
    }
    controller.stream = stream;
    const entry = this.#sessions.get(session);
    if (entry !== undefined) entry.streams++;
    listenToStream(stream, streamExchange(this, session, entry, controller), H2Client.#onStreamClose, body);
  }

  static #onStreamClose(this: ExchangeStream<H2Client>): void {
    const exchange = this[kExchange];
    const { client, session, entry, controller, hasResponse } = exchange;
    dropBody(exchange);
    const open = entry === undefined ? 0 : --entry.streams;
    if (open === 0 && session !== client.#session) client.#drop(session);
    else if (open === 0 && !client.#isClosed)
      client.#idleTimer = setTimeout(() => client.#closeIdle(session), client.idleTimeoutMs).unref();
    if (controller.isSettled) return;
    const when = hasResponse ? 'in the middle of the response' : 'before response headers';
    // REFUSED_STREAM: the upstream did no work on it (a retry may send it again).
    const code = !hasResponse && this.rstCode === NGHTTP2_REFUSED_STREAM ? 'REFUSED_STREAM' : 'UND_ERR_SOCKET';
    controller.fail(new H2Error(`HTTP/2 stream reset ${when} (RST_STREAM code ${this.rstCode})`, code));
  }
}
