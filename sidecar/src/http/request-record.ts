// One request's record: what the layers of the request path learn of it that telemetry reports
// once it has finished. The listener attaches one to each response (telemetry's Exchange, which
// adds what only telemetry keeps); the layers tell it what they learn through the hooks below,
// never importing telemetry: the cluster the router chose, the endpoint of each attempt, why the
// proxy answered itself, the body bytes read and relayed, the grpc-status the call ended with, the
// status a tunnel relayed. The request's span is here too: the router carries its context upstream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { ResponseFlag } from './response-flag.js';

export class RequestRecord {
  #cluster = '';
  #flag: ResponseFlag = '-';
  #requestBytes = 0;
  #responseBytes = 0;
  #upstreamHost = '';
  #attempts = 0;
  #relayedStatus: number | undefined = undefined;
  #grpcStatus = '';
  /** This sidecar's span of the request (recording or not); undefined when tracing is off. */
  span: Span | undefined = undefined;

  constructor(readonly startedAt: number) {}

  /** The cluster the route chose; "" when none was. */
  get cluster(): string {
    return this.#cluster;
  }

  /** Envoy's response flag: why the proxy answered itself, "-" when it relayed an answer. */
  get flag(): ResponseFlag {
    return this.#flag;
  }

  /** Request body bytes read from the caller, counted only for a body of no declared length. */
  get requestBytes(): number {
    return this.#requestBytes;
  }

  /** Response body bytes relayed from upstream (for a tunnel: every byte from upstream). */
  get responseBytes(): number {
    return this.#responseBytes;
  }

  /** The endpoint (address:port) of the last attempt; "" when none was made. */
  get upstreamHost(): string {
    return this.#upstreamHost;
  }

  /** Attempts made on endpoints: 1 plus the retries; 0 when none was made. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The status of an answer a tunnel relayed as raw bytes (an upgrade's 101), which no ServerResponse carried. */
  get relayedStatus(): number | undefined {
    return this.#relayedStatus;
  }

  /** The grpc-status the call ended with ("" when none). */
  get grpcStatus(): string {
    return this.#grpcStatus;
  }

  /** The router chose `cluster`. */
  routed(cluster: string): void {
    this.#cluster = cluster;
  }

  /** The cluster layer sent attempt number `attempts` to `upstreamHost`. */
  attempted(upstreamHost: string, attempts: number): void {
    this.#upstreamHost = upstreamHost;
    this.#attempts = attempts;
  }

  /** The proxy answers the caller itself, for the reason `flag` names. */
  answeredLocally(flag: ResponseFlag): void {
    this.#flag = flag;
  }

  /** `bytes` of the response body went to the caller. */
  relayed(bytes: number): void {
    this.#responseBytes += bytes;
  }

  /** The call ended with `grpcStatus` in its trailers. */
  endedWithGrpcStatus(grpcStatus: string): void {
    this.#grpcStatus = grpcStatus;
  }

  /** A tunnel's endpoint answered the upgrade with `status`. */
  tunnelAnswered(status: number): void {
    this.#relayedStatus = status;
  }

  /** `bytes` of a request body of no declared length came from the caller. */
  readRequestBody(bytes: number): void {
    this.#requestBytes += bytes;
  }
}

const kRecord = Symbol('request record');

type WithRecord = ServerResponse & { [kRecord]?: RequestRecord };

export function attachRecord(res: ServerResponse, record: RequestRecord): void {
  (res as WithRecord)[kRecord] = record;
}

/** The response's record; undefined when telemetry is off. */
export function recordOf(res: ServerResponse): RequestRecord | undefined {
  return (res as WithRecord)[kRecord];
}

/**
 * Counts the bytes of a request body of no declared length as they arrive from the caller. The
 * HTTP/1.1 parser and the HTTP/2 compatibility layer both hand each chunk to the request's push(),
 * so that is where they are counted: a 'data' listener would set the body flowing before its
 * consumer (a pipe, undici, an async iterator) is there, and pausing first stalls an HTTP/2 stream.
 */
export function countRequestBytes(req: IncomingMessage, record: RequestRecord): void {
  if (req.headers['content-length'] !== undefined) return;
  const push = req.push;
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk !== null && chunk !== undefined) record.readRequestBody((chunk as Buffer).length);
    return push.call(req, chunk, encoding);
  };
}
