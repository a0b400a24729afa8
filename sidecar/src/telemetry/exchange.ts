// What telemetry needs to know of one request that only the layers below learn: the cluster it
// went to, the endpoint that answered and after how many attempts, Envoy's response flag when the
// proxy answered itself, the bytes relayed, the grpc-status of trailers, the status an upgrade's
// tunnel relayed; and the request's span. The listener attaches one to each response; the router
// and upstream layers fill it in; the access log reads it, in the format the exchange carries.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { ResponseFlag } from '../http/response-flag.js';

export interface Exchange {
  startedAt: number;
  cluster: string;
  flag: ResponseFlag;
  /** Request body bytes read from the caller, counted only for a body of no declared length. */
  requestBytes: number;
  /** Response body bytes relayed from upstream (for a tunnel: every byte from upstream). */
  responseBytes: number;
  /** The endpoint (address:port) of the last attempt; "" when none was made. */
  upstreamHost: string;
  /** Attempts made on endpoints: 1 plus the retries; 0 when none was made. */
  attempts: number;
  /** This sidecar's span of the request (recording or not); undefined when tracing is off. */
  span: Span | undefined;
  /** How the listener in force logs this request; undefined when access logging is off. */
  accessLog: AccessLogFormat | undefined;
  /** The caller's address:port, kept for the access log (a keep-alive socket is gone by the time it writes). */
  downstreamAddress: string | undefined;
  /** The status of an answer a tunnel relayed as raw bytes (an upgrade's 101), which no ServerResponse carried. */
  relayedStatus: number | undefined;
  /** grpc-status of the response's trailers ('' when none came). */
  grpcStatus: string;
  /** The caller's SPIFFE ID, verified in mutual TLS by the inbound listener; '' for plaintext. */
  sourcePrincipal: string;
}

/** One request as the access log sees it when it has finished. */
export interface FinishedRequest {
  res: ServerResponse;
  exchange: Exchange;
  durationMs: number;
}

export type AccessLogValue = (request: FinishedRequest) => string | number | null;

/** How a listener's access log writes a request: its line, built from the format's fields (access-log-line.ts). */
export interface AccessLogFormat {
  /** The request's JSON line, newline included. */
  line(request: FinishedRequest): string;
}

const kExchange = Symbol('exchange');

type WithExchange = ServerResponse & { [kExchange]?: Exchange };

export function attachExchange(res: ServerResponse, startedAt: number): Exchange {
  const exchange: Exchange = {
    startedAt,
    cluster: '',
    flag: '-',
    requestBytes: 0,
    responseBytes: 0,
    grpcStatus: '',
    upstreamHost: '',
    attempts: 0,
    span: undefined,
    accessLog: undefined,
    downstreamAddress: undefined,
    relayedStatus: undefined,
    sourcePrincipal: '',
  };
  (res as WithExchange)[kExchange] = exchange;
  return exchange;
}

export function exchangeOf(res: ServerResponse): Exchange | undefined {
  return (res as WithExchange)[kExchange];
}

/** The status the caller got: a relayed tunnel's, else the response's; 0 when it left before any (Envoy's and Istio's 0). */
export function responseCodeOf(res: ServerResponse, exchange: Exchange): number {
  return exchange.relayedStatus ?? (res.headersSent ? res.statusCode : 0);
}

/** The trace id the exchange's span belongs to (32 hex digits); "" when tracing is off. */
export function traceIdOf(exchange: Exchange): string {
  return exchange.span?.spanContext().traceId ?? '';
}

/** Request body bytes: as the caller declared them, else as read (gRPC, chunked). */
export function requestBytesOf(req: IncomingMessage, exchange: Exchange): number {
  const length = req.headers['content-length'];
  return length === undefined ? exchange.requestBytes : Number(length);
}

/**
 * Counts the bytes of a request body of no declared length as they arrive from the caller. The
 * HTTP/1.1 parser and the HTTP/2 compatibility layer both hand each chunk to the request's push(),
 * so that is where they are counted: a 'data' listener would set the body flowing before its
 * consumer (a pipe, undici, an async iterator) is there, and pausing first stalls an HTTP/2 stream.
 */
export function countRequestBytes(req: IncomingMessage, exchange: Exchange): void {
  if (req.headers['content-length'] !== undefined) return;
  const push = req.push;
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk !== null && chunk !== undefined) exchange.requestBytes += (chunk as Buffer).length;
    return push.call(req, chunk, encoding);
  };
}

/** Response body bytes: as declared, else as relayed. */
export function responseBytesOf(res: ServerResponse, exchange: Exchange): number {
  const length = res.getHeader('content-length');
  return length === undefined ? exchange.responseBytes : Number(length);
}

/** Keeps what the access log needs of the caller's connection while it is there. */
export function keepDownstreamAddress(exchange: Exchange, req: IncomingMessage): void {
  const { remoteAddress, remotePort } = req.socket;
  if (remoteAddress !== undefined)
    exchange.downstreamAddress = `${remoteAddress.includes(':') ? `[${remoteAddress}]` : remoteAddress}:${remotePort}`;
}
