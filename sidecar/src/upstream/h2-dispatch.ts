// One request on an HTTP/2 upstream stream, as undici's dispatch sees it: the options the request
// path sends, the controller the handler gets (abort, pause, resume) and the error an exchange
// fails with, its code the one the upstream layer classifies.
import { constants, type ClientHttp2Stream } from 'node:http2';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

const { NGHTTP2_CANCEL } = constants;

/** The subset of undici's dispatch options the request path sends. */
export interface H2DispatchOptions {
  method: string;
  path: string;
  /** Flat [name, value, …] list; `host` becomes :authority. */
  headers: readonly string[];
  body: Buffer | Readable | null;
}

/** Why an h2 exchange failed, with the code the upstream layer classifies (connect failure or reset). */
export class H2Error extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** One stream's controller, as undici's: abort (RST_STREAM CANCEL), pause and resume the response. */
export class H2StreamController implements Dispatcher.DispatchController {
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
