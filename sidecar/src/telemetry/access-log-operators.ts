// Envoy's access-log command operators this sidecar fills in (`%RESPONSE_CODE%`, `%REQ(:PATH)%`,
// …), each compiled once per config version into a function of the finished request. Numbers come
// out as JSON numbers and what is unknown as null, as Envoy's JSON access log writes them.
import type { IncomingMessage } from 'node:http';
import { requestBytesOf, responseBytesOf, responseCodeOf, traceIdOf, type AccessLogValue } from './exchange.js';

const OPERATORS: Readonly<Record<string, AccessLogValue>> = {
  START_TIME: ({ durationMs }) => new Date(Date.now() - durationMs).toISOString(),
  PROTOCOL: ({ res }) => `HTTP/${res.req.httpVersion}`,
  RESPONSE_CODE: ({ res, exchange }) => responseCodeOf(res, exchange),
  RESPONSE_FLAGS: ({ exchange }) => exchange.flag,
  BYTES_RECEIVED: ({ res, exchange }) => requestBytesOf(res.req, exchange),
  BYTES_SENT: ({ res, exchange }) => responseBytesOf(res, exchange),
  DURATION: ({ durationMs }) => Math.round(durationMs),
  UPSTREAM_CLUSTER: ({ exchange }) => (exchange.cluster === '' ? null : exchange.cluster),
  UPSTREAM_HOST: ({ exchange }) => (exchange.upstreamHost === '' ? null : exchange.upstreamHost),
  UPSTREAM_REQUEST_ATTEMPT_COUNT: ({ exchange }) => exchange.attempts,
  TRACE_ID: ({ exchange }) => traceIdOf(exchange) || null,
  DOWNSTREAM_REMOTE_ADDRESS: ({ exchange }) => exchange.downstreamAddress ?? null,
};

/** The names `%OPERATOR%` may use, for error messages. */
export const OPERATOR_NAMES = [...Object.keys(OPERATORS), 'REQ(header)', 'RESP(header)'];

function headerValue(value: string | string[] | number | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** A request header by Envoy's name; HTTP/2 pseudo-headers map to what HTTP/1.1 carries them in. */
function requestHeader(req: IncomingMessage, name: string): string | null {
  switch (name) {
    case ':method':
      return req.method ?? null;
    case ':path':
      return req.url ?? null;
    case ':authority':
      return headerValue(req.headers.host);
    default:
      return headerValue(req.headers[name]);
  }
}

/** `%REQ(A?B)%`: header A, else header B. */
function requestHeaderOperator(argument: string): AccessLogValue {
  const [first, fallback] = argument.toLowerCase().split('?', 2) as [string, string | undefined];
  if (fallback === undefined) return ({ res }) => requestHeader(res.req, first);
  return ({ res }) => requestHeader(res.req, first) ?? requestHeader(res.req, fallback);
}

/** The value of a `%OPERATOR%` or `%OPERATOR(argument)%`; undefined when this sidecar has no such operator. */
export function accessLogOperator(text: string): AccessLogValue | undefined {
  const call = /^%([A-Z_]+)(?:\(([^)]+)\))?%$/.exec(text);
  if (call === null) return undefined;
  const [, name, argument] = call as unknown as [string, string, string | undefined];
  if (argument === undefined) return OPERATORS[name];
  if (name === 'REQ') return requestHeaderOperator(argument);
  if (name === 'RESP') {
    const header = argument.toLowerCase();
    return ({ res }) => headerValue(res.getHeader(header));
  }
  return undefined;
}
