// The HTTP/2 (cleartext, h2c) upstream of one endpoint: one multiplexed session, opened on first
// use, opened again after a GOAWAY, close or error, and closed after the idle timeout. It takes
// the same dispatch(options, handler) calls as undici's Pool, so the upstream request layer does
// not care which protocol an endpoint speaks. undici's own h2 client cannot be used here: it runs
// one non-idempotent (POST) or streaming-body request at a time per connection, which rules out
// multiplexing gRPC calls and long-lived streams.
import { connect as connectTcp, type Socket } from 'node:net';
import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

const { NGHTTP2_CANCEL, NGHTTP2_FLAG_END_STREAM, NGHTTP2_NO_ERROR } = constants;

/** The subset of undici's dispatch options the request path sends. */
export interface H2DispatchOptions {
  method: string;
  path: string;
  /** Flat [name, value, …] list; `host` becomes :authority. */
  headers: readonly string[];
  body: Buffer | Readable | null;
}

/** Why an h2 exchange failed, with the code the upstream layer classifies (connect failure or reset). */
class H2Error extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** One stream's controller, as undici's: abort (RST_STREAM CANCEL), pause and resume the response. */
class H2StreamController implements Dispatcher.DispatchController {
  stream: ClientHttp2Stream | undefined;
  aborted = false;
  paused = false;
  reason: Error | null = null;
  /** The handler has been told how the exchange ended (response end or error). */
  isSettled = false;

  constructor(readonly handler: Dispatcher.DispatchHandler) {}

  /** As undici's: the stream is cancelled and the handler hears of it (onResponseError). */
  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    if (this.stream !== undefined && !this.stream.destroyed) this.stream.close(NGHTTP2_CANCEL);
    this.fail(reason);
  }

  pause(): void {
    this.paused = true;
    this.stream?.pause();
  }

  resume(): void {
    this.paused = false;
    this.stream?.resume();
  }

  fail(error: Error): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.handler.onResponseError?.(this, error);
  }
}

function toH2Headers(options: H2DispatchOptions): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ':method': options.method, ':path': options.path, ':scheme': 'http' };
  const flat = options.headers;
  for (let i = 0; i < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    const value = flat[i + 1] as string;
    if (name === 'host') {
      headers[':authority'] = value;
      continue;
    }
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = [existing as string, value];
  }
  return headers;
}

/** Response headers as undici gives them: no pseudo-headers. */
function responseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const name in headers) if (name.charCodeAt(0) !== 58) out[name] = headers[name];
  return out;
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
    readonly address: string,
    readonly port: number,
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
    const socket = connectTcp({ host: this.address, port: this.port });
    socket.setNoDelay(true);
    const session = connect(`http://${this.address}:${this.port}`, {
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
      const failure = new H2Error(
        `HTTP/2 connection to ${this.address}:${this.port} failed: ${cause.message}`,
        cause.code ?? 'ECONNREFUSED',
        { cause },
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
    const { handler } = controller;
    let trailers: Record<string, string | string[] | undefined> = {};
    let hasResponse = false;
    stream.on('response', (headers, flags) => {
      if (controller.isSettled) return;
      const status = Number(headers[':status']);
      if (status < 200) return;
      hasResponse = true;
      handler.onResponseStart?.(controller, status, responseHeaders(headers), '');
      // Trailers-only (a gRPC error): the headers were the whole response.
      if ((flags & NGHTTP2_FLAG_END_STREAM) !== 0 && !controller.isSettled) {
        controller.isSettled = true;
        handler.onResponseEnd?.(controller, {});
      }
    });
    stream.on('data', (chunk: Buffer) => {
      if (!controller.isSettled) handler.onResponseData?.(controller, chunk);
    });
    stream.on('trailers', (headers: IncomingHttpHeaders) => {
      trailers = responseHeaders(headers);
    });
    stream.on('end', () => {
      // Node ends the readable side on RST_STREAM too: only a stream not reset (or reset with
      // NO_ERROR after a complete response) ended well.
      const isReset = stream.rstCode !== undefined && stream.rstCode !== NGHTTP2_NO_ERROR;
      if (controller.isSettled || !hasResponse || isReset) return;
      controller.isSettled = true;
      handler.onResponseEnd?.(controller, trailers);
    });
    stream.on('error', () => undefined);
    stream.on('close', () => {
      const open = entry === undefined ? 0 : --entry.streams;
      if (open === 0 && session !== this.#session) this.#drop(session);
      else if (open === 0 && !this.#isClosed)
        this.#idleTimer = setTimeout(() => this.#closeIdle(session), this.idleTimeoutMs).unref();
      if (controller.isSettled) return;
      const when = hasResponse ? 'in the middle of the response' : 'before response headers';
      controller.fail(new H2Error(`HTTP/2 stream reset ${when} (RST_STREAM code ${stream.rstCode})`, 'UND_ERR_SOCKET'));
    });
    if (body === null) return;
    if (Buffer.isBuffer(body)) {
      stream.end(body);
      return;
    }
    // The request body streams with backpressure; once the upstream stream is gone (an answer that
    // came before the whole body, or a reset), the rest of the body is read and dropped.
    body.pipe(stream);
    stream.once('close', () => {
      body.unpipe(stream);
      if (!body.readableEnded) body.resume();
    });
  }
}
