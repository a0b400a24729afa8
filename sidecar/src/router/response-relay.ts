// The top of a route's stack, the handler the route layers report to: relays the exchange to the
// caller's response with backpressure both ways, trailers included, edits the response headers, and
// answers a failure itself (Envoy's local reply: 5xx naming what and where; a reset mid-response).
// The caller leaving aborts the exchange below.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { speaksHttp2 } from '../cluster/cluster-dispatch.js';
import type { ExchangeHandler } from '../cluster/cluster-request.js';
import { editResponseHeaders, type HeaderEdits, type ResponseHeaders } from '../http/header-edits.js';
import { UpstreamFailure } from '../http/upstream-failure.js';
import type { ForwardedRequest } from '../route/forwarded-request.js';
import { endTrailersOnly, localReply, resetResponse } from '../upstream/local-reply.js';
import { downstreamResponseHeaders } from '../upstream/proxy-headers.js';

const kRelay = Symbol('response relay');

/** The downstream response, carrying its relay so shared listeners need no per-request closure. */
type RelayedResponse = ServerResponse & { [kRelay]?: ResponseRelay };

const DOWNSTREAM_CLOSED = new Error('downstream closed the connection');

function onDownstreamDrain(this: RelayedResponse): void {
  this[kRelay]?.controller?.resume();
}

function onDownstreamClose(this: RelayedResponse): void {
  // The caller went away: stop the exchange too, rather than let it run for no one.
  this[kRelay]?.onDownstreamClose();
}

function hasEntries(record: object): boolean {
  for (const _name in record) return true;
  return false;
}

export class ResponseRelay implements ExchangeHandler {
  controller: Dispatcher.DispatchController | undefined;
  #isDone = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly request: ForwardedRequest,
    readonly responseHeaders: HeaderEdits | undefined,
  ) {
    const relayed: RelayedResponse = res;
    relayed[kRelay] = this;
    res.on('drain', onDownstreamDrain);
    res.on('close', onDownstreamClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    if (this.#isDone) return;
    const downstream = downstreamResponseHeaders(headers);
    if (this.responseHeaders !== undefined) editResponseHeaders(this.responseHeaders, downstream);
    // Should Node refuse a header here, the throw fails the attempt and it answers 502.
    if (headers['grpc-status'] !== undefined && speaksHttp2(this.request.cluster, this.request.isDownstreamHttp2)) {
      // Trailers-only: the answer is complete; anything a confused upstream sends after is dropped.
      this.#finish();
      endTrailersOnly(this.res, statusCode, downstream);
    }
    // HTTP/2 has no status message (and Node warns when given one).
    else if (this.req.httpVersionMajor === 2) this.res.writeHead(statusCode, downstream);
    else this.res.writeHead(statusCode, statusMessage, downstream);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#isDone) return;
    this.request.record?.relayed(chunk.length);
    if (!this.res.write(chunk)) controller.pause();
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: ResponseHeaders): void {
    if (this.#isDone) return;
    this.#finish();
    if (hasEntries(trailers)) {
      // The downstream gets them when it can carry them: HTTP/2, or a chunked HTTP/1.1 response.
      this.res.addTrailers(trailers);
      const grpcStatus = trailers['grpc-status'];
      if (typeof grpcStatus === 'string') this.request.record?.endedWithGrpcStatus(grpcStatus);
    }
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#isDone) return;
    this.#finish();
    // Mid-response (but for a timeout: gRPC's deadline), or the caller already left: cut the stream.
    const { res } = this;
    if (error instanceof UpstreamFailure && !res.destroyed && (!res.headersSent || error.flag === 'UT'))
      localReply(res, error.status, error.message, error.flag, error.headers);
    else resetResponse(res);
  }

  onDownstreamClose(): void {
    if (this.#isDone) return;
    this.controller?.abort(DOWNSTREAM_CLOSED);
    this.#finish();
  }

  #finish(): void {
    this.#isDone = true;
  }
}
