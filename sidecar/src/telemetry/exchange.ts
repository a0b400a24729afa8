// One request as telemetry sees it: the record the layers fill in through its hooks
// (http/request-record.ts), and what only telemetry keeps of it: how the listener logs it, the
// caller's address and verified identity. The listener attaches one to each response; metrics,
// the span and the access log read it when the response closes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { attachRecord, recordOf, RequestRecord } from '../http/request-record.js';

export class Exchange extends RequestRecord {
  /** How the listener in force logs this request; undefined when access logging is off. */
  accessLog: AccessLogFormat | undefined = undefined;
  /** The caller's address:port, kept for the access log (a keep-alive socket is gone by the time it writes). */
  downstreamAddress: string | undefined = undefined;
  /** The caller's SPIFFE ID, verified in mutual TLS by the inbound listener; '' for plaintext. */
  sourcePrincipal = '';
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

export function attachExchange(res: ServerResponse, startedAt: number): Exchange {
  const exchange = new Exchange(startedAt);
  attachRecord(res, exchange);
  return exchange;
}

export function exchangeOf(res: ServerResponse): Exchange | undefined {
  const record = recordOf(res);
  return record instanceof Exchange ? record : undefined;
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
