// Answers the proxy makes itself (Envoy's local replies): plain text naming what went wrong and
// where; to a gRPC caller, a gRPC error instead (trailers-only: HTTP 200 with grpc-status and
// grpc-message), never a body its client cannot read; a gRPC call whose deadline passes after
// its answer began ends with DEADLINE_EXCEEDED trailers. Here, in the lowest layer, so every layer
// above can answer without reaching upwards.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { ResponseFlag } from '../http/response-flag.js';
import { recordOf } from '../http/request-record.js';
import { encodeGrpcMessage, GrpcStatus, grpcStatusOfHttp, isGrpcRequest } from './grpc-status.js';

/** `flag`: Envoy's response flag for why the proxy answered itself, for metrics and logs. */
export function localReply(
  res: ServerResponse,
  status: number,
  message: string,
  flag: ResponseFlag = '-',
  headers?: OutgoingHttpHeaders,
): void {
  const record = recordOf(res);
  record?.answeredLocally(flag);
  const isGrpc = isGrpcRequest(res.req.headers);
  if (res.headersSent) {
    if (flag === 'UT' && isGrpc && res.req.httpVersionMajor === 2 && !res.writableEnded) {
      // A gRPC deadline passing mid-call ends it as a gRPC server ends it: trailers saying
      // DEADLINE_EXCEEDED. A reset here would race the caller's own deadline timer and, when
      // it won, show the caller INTERNAL ("RST_STREAM with code 2") instead.
      record?.endedWithGrpcStatus(String(GrpcStatus.DEADLINE_EXCEEDED));
      res.addTrailers({
        'grpc-status': String(GrpcStatus.DEADLINE_EXCEEDED),
        'grpc-message': encodeGrpcMessage(message),
      });
      res.end();
      return;
    }
    // Half a response is already out: a reset is the only honest signal left.
    resetResponse(res);
    return;
  }
  if (isGrpc) {
    // A router timeout (UT) is the call's deadline passing, not the service being unavailable.
    const grpcStatus = flag === 'UT' ? GrpcStatus.DEADLINE_EXCEEDED : grpcStatusOfHttp(status);
    endTrailersOnly(res, 200, {
      ...headers,
      'content-type': 'application/grpc',
      'grpc-status': String(grpcStatus),
      'grpc-message': encodeGrpcMessage(message),
    });
    return;
  }
  const body = `${message}\n`;
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const RESET = new Error('the proxy reset the stream: its upstream failed mid-response');

/**
 * Cuts a response short so the caller sees it cut: the connection for HTTP/1.1, the stream for
 * HTTP/2 (destroyed with an error: RST_STREAM INTERNAL_ERROR; close() on a stream whose request
 * has ended would end the response cleanly first, as if it were complete).
 */
export function resetResponse(res: ServerResponse): void {
  if (res.req.httpVersionMajor === 2) {
    const { stream } = res as unknown as Http2ServerResponse;
    if (!stream.destroyed) stream.destroy(RESET);
    return;
  }
  res.destroy();
}

/**
 * A response that is only headers, ended with them: over HTTP/2 one HEADERS frame with
 * END_STREAM, which gRPC reads as trailers-only (writeHead would send the headers first, and an
 * empty end after, which a gRPC client takes for a call without status).
 */
export function endTrailersOnly(res: ServerResponse, status: number, headers: OutgoingHttpHeaders): void {
  res.statusCode = status;
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) res.setHeader(name, value);
  }
  res.end();
}
