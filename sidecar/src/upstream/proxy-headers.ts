// Header rules of a proxy hop (RFC 9110 §7.6.1): hop-by-hop headers stay on their hop, and the
// forwarding headers say where the request came from.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { ResponseHeaders } from '../http/header-edits.js';
import { SOURCE_HEADER } from '../http/source-header.js';
import { appendTraceHeaders, traceHeaderFormat } from '../telemetry/trace-context.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

/** Connection: keep-alive or close (any case) names no header but hop-by-hop ones. */
function isPlainConnection(value: string): boolean {
  const lower = value.length === 10 || value.length === 5 ? value.toLowerCase() : '';
  return lower === 'keep-alive' || lower === 'close';
}

/** Header names the Connection header lists: hop-by-hop too. */
function connectionListed(connection: string | string[]): Set<string> {
  const names = (Array.isArray(connection) ? connection.join(',') : connection).split(',');
  const listed = new Set<string>();
  for (const name of names) {
    const trimmed = name.trim().toLowerCase();
    if (trimmed !== '') listed.add(trimmed);
  }
  return listed;
}

function isDroppedRequestHeader(name: string, value: string, listed: Set<string> | undefined): boolean {
  // HTTP/2 pseudo-headers (:path, :authority, …): the upstream request has its own.
  if (name.charCodeAt(0) === 58) return true;
  // "TE: trailers" is the one TE that HTTP/2 allows, and gRPC requires it end to end.
  if (name === 'te') return value.trim().toLowerCase() !== 'trailers' || listed?.has(name) === true;
  // Host is set from the request's authority; Expect was answered on this hop already (Node
  // sends the 100 Continue), and undici refuses to send it.
  return HOP_BY_HOP.has(name) || name === 'host' || name === 'expect' || listed?.has(name) === true;
}

/**
 * Gives a request without an x-request-id a fresh one, as Envoy's HttpConnectionManager does on
 * entry: every hop, the access log and the app then see the same id.
 */
export function ensureRequestId(req: IncomingMessage): void {
  if (req.headers['x-request-id'] !== undefined) return;
  const id = randomUUID();
  req.headers['x-request-id'] = id;
  req.rawHeaders.push('x-request-id', id);
}

/**
 * The request headers for the upstream as a flat [name, value, …] list from the downstream's raw
 * headers: hop-by-hop removed, Host set to the request's authority, x-forwarded-for appended,
 * x-forwarded-proto (`https` when the request came over TLS) added when absent (x-request-id is
 * there already: see ensureRequestId), and the source service when `source` is given (a value the app sent is replaced, never trusted).
 * With `span`, the trace headers carry that span instead of the caller's: traceparent and
 * tracestate, and b3 / x-b3-* if the caller sent them.
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  authority: string,
  remoteAddress: string | undefined,
  source?: string,
  span?: Span,
  isTls = false,
): string[] {
  let listed: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i] as string;
    if (raw.length === 10 && raw.toLowerCase() === 'connection') {
      const value = rawHeaders[i + 1] as string;
      // The usual values name no header but hop-by-hop ones: nothing to parse.
      if (isPlainConnection(value)) continue;
      listed ??= new Set();
      for (const name of connectionListed(value)) listed.add(name);
    }
  }
  const out: string[] = ['host', authority];
  let forwardedFor: string | undefined;
  let hasProto = false;
  let b3Formats = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const name = raw.toLowerCase();
    if (isDroppedRequestHeader(name, value, listed) || (source !== undefined && name === SOURCE_HEADER)) continue;
    if (span !== undefined) {
      const format = traceHeaderFormat(name);
      if (format !== undefined) {
        b3Formats |= format;
        continue;
      }
    }
    if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    if (name === 'x-forwarded-proto') hasProto = true;
    out.push(raw, value);
  }
  if (remoteAddress !== undefined)
    forwardedFor = forwardedFor === undefined ? remoteAddress : `${forwardedFor}, ${remoteAddress}`;
  if (forwardedFor !== undefined) out.push('x-forwarded-for', forwardedFor);
  if (!hasProto) out.push('x-forwarded-proto', isTls ? 'https' : 'http');
  if (source !== undefined) out.push(SOURCE_HEADER, source);
  if (span !== undefined) appendTraceHeaders(out, span, b3Formats);
  return out;
}

/** The upstream's response headers without its hop-by-hop headers (mutates and returns them). */
export function downstreamResponseHeaders(headers: ResponseHeaders): ResponseHeaders {
  const connection = headers.connection;
  if (connection !== undefined && (typeof connection !== 'string' || !isPlainConnection(connection)))
    for (const name of connectionListed(connection)) delete headers[name];
  // A response has a handful of headers: look each up among the nine hop-by-hop names, rather
  // than the nine in it; deleting only what is there keeps the object's shape when nothing is.
  for (const name in headers) if (HOP_BY_HOP.has(name)) delete headers[name];
  return headers;
}
