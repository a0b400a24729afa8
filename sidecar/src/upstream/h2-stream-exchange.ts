// One request's HTTP/2 stream as its handler hears it: the listeners every stream shares (what each
// needs rides on the stream), the response told in order whatever order Node emits it in, a
// handler that throws failing its exchange rather than the process, and the request body pumped
// to the stream with backpressure.
import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { Readable } from 'node:stream';
import type { H2StreamController } from './h2-dispatch.js';
import { responseHeaders } from './h2-headers.js';

const { NGHTTP2_FLAG_END_STREAM, NGHTTP2_NO_ERROR } = constants;

const NO_TRAILERS: Record<string, string | string[] | undefined> = Object.freeze({});

export const kExchange = Symbol('h2 exchange');

/** What one request's stream carries for its listeners, which every stream shares; `Owner`: its client. */
export interface StreamExchange<Owner> {
  readonly client: Owner;
  readonly session: ClientHttp2Session;
  readonly entry: { streams: number } | undefined;
  readonly controller: H2StreamController;
  hasResponse: boolean;
  /** Data Node emitted before the response headers' event, held for the handler until then. */
  early: Buffer[] | undefined;
  trailers: Record<string, string | string[] | undefined>;
  /** The request body while it streams to the stream; undefined for none or a whole Buffer. */
  body: Readable | undefined;
}

export type ExchangeStream<Owner> = ClientHttp2Stream & { [kExchange]: StreamExchange<Owner> };

/**
 * A handler that throws (Node refusing a header it was given, say) fails its exchange, as under
 * undici, rather than escape the stream's event and end the process.
 */
function handlerThrew(controller: H2StreamController, error: unknown): void {
  controller.abort(error instanceof Error ? error : new Error(String(error)));
}

function onResponse(this: ExchangeStream<unknown>, headers: IncomingHttpHeaders, flags: number): void {
  const exchange = this[kExchange];
  const { controller } = exchange;
  if (controller.isSettled) return;
  const status = Number(headers[':status']);
  if (status < 200) return;
  exchange.hasResponse = true;
  try {
    controller.handler.onResponseStart?.(controller, status, responseHeaders(headers), '');
    // Trailers-only (a gRPC error): the headers were the whole response.
    if ((flags & NGHTTP2_FLAG_END_STREAM) !== 0 && !controller.isSettled) {
      controller.isSettled = true;
      controller.handler.onResponseEnd?.(controller, {});
    }
  } catch (error) {
    handlerThrew(controller, error);
  }
  const { early } = exchange;
  exchange.early = undefined;
  if (early !== undefined) for (const chunk of early) onData.call(this, chunk);
}

/**
 * Node emits 'response' a tick after it reads the HEADERS frame, but a flowing stream's 'data' as
 * it reads: when a busy session reads both at once, the data comes first, and waits here.
 */
function onData(this: ExchangeStream<unknown>, chunk: Buffer): void {
  const exchange = this[kExchange];
  const { controller } = exchange;
  if (controller.isSettled) return;
  if (!exchange.hasResponse) {
    (exchange.early ??= []).push(chunk);
    return;
  }
  try {
    controller.handler.onResponseData?.(controller, chunk);
  } catch (error) {
    handlerThrew(controller, error);
  }
}

function onTrailers(this: ExchangeStream<unknown>, headers: IncomingHttpHeaders): void {
  this[kExchange].trailers = responseHeaders(headers);
}

function onEnd(this: ExchangeStream<unknown>): void {
  const { controller, hasResponse, trailers } = this[kExchange];
  // Node ends the readable side on RST_STREAM too: only a stream not reset (or reset with
  // NO_ERROR after a complete response) ended well.
  const isReset = this.rstCode !== undefined && this.rstCode !== NGHTTP2_NO_ERROR;
  if (controller.isSettled || !hasResponse || isReset) return;
  controller.isSettled = true;
  try {
    controller.handler.onResponseEnd?.(controller, trailers);
  } catch (error) {
    handlerThrew(controller, error);
  }
}

const kSink = Symbol('h2 request stream');

/** A request body streaming to its h2 stream. */
type BodySource = Readable & { [kSink]: ClientHttp2Stream };

function onBodyData(this: BodySource, chunk: Buffer): void {
  if (!this[kSink].write(chunk)) this.pause();
}

function onBodyEnd(this: BodySource): void {
  this[kSink].end();
}

function onStreamDrain(this: ExchangeStream<unknown>): void {
  this[kExchange].body?.resume();
}

/** A stream's error also closes it: the close listener tells the handler. */
function ignoreStreamError(): void {}

/** A new request's exchange, for its stream. */
export function streamExchange<Owner>(
  client: Owner,
  session: ClientHttp2Session,
  entry: { streams: number } | undefined,
  controller: H2StreamController,
): StreamExchange<Owner> {
  return {
    client,
    session,
    entry,
    controller,
    hasResponse: false,
    early: undefined,
    trailers: NO_TRAILERS,
    body: undefined,
  };
}

/**
 * Hangs the exchange on its stream (the listeners every stream shares find it there) and listens
 * to the stream, `onClose` being its client's; sends the body: none, a whole Buffer, or a stream
 * pumped in with backpressure.
 */
export function listenToStream<Owner>(
  stream: ClientHttp2Stream,
  exchange: StreamExchange<Owner>,
  onClose: (this: ExchangeStream<Owner>) => void,
  body: Buffer | Readable | null,
): void {
  (stream as ExchangeStream<Owner>)[kExchange] = exchange;
  stream.on('response', onResponse);
  stream.on('data', onData);
  stream.on('trailers', onTrailers);
  stream.on('end', onEnd);
  stream.on('error', ignoreStreamError);
  stream.on('close', onClose);
  if (body === null) return;
  if (Buffer.isBuffer(body)) {
    stream.end(body);
    return;
  }
  exchange.body = body;
  (body as BodySource)[kSink] = stream;
  body.on('data', onBodyData);
  body.on('end', onBodyEnd);
  stream.on('drain', onStreamDrain);
}

/** Once the upstream stream is gone (an answer before the whole body, a reset), the rest of the body is read and dropped. */
export function dropBody(exchange: StreamExchange<unknown>): void {
  const { body } = exchange;
  if (body === undefined) return;
  body.off('data', onBodyData);
  body.off('end', onBodyEnd);
  if (!body.readableEnded) body.resume();
}
