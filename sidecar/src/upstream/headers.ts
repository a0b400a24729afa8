// Header rules of a proxy hop (RFC 9110 §7.6.1): hop-by-hop headers stay on their hop, and the
// forwarding headers say where the request came from.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

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

/** Header names the Connection header lists: hop-by-hop too. */
function connectionListed(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  const names = (Array.isArray(connection) ? connection.join(',') : connection).split(',');
  return new Set(names.map((name) => name.trim().toLowerCase()).filter(Boolean));
}

/**
 * The request headers for the upstream, as a flat [name, value, …] list from the raw headers:
 * hop-by-hop removed, Host set to the request's authority, x-forwarded-for appended,
 * x-forwarded-proto and x-request-id added when absent.
 */
export function upstreamRequestHeaders(rawHeaders: readonly string[], authority: string, remoteAddress: string | undefined): string[] {
  const out: string[] = [];
  let listed: Set<string> | undefined;
  let forwardedFor: string | undefined;
  let hasProto = false;
  let hasRequestId = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    if (name === 'connection') listed = connectionListed(rawHeaders[i + 1]);
  }
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const name = raw.toLowerCase();
    if (HOP_BY_HOP.has(name) || listed?.has(name) || name === 'host') continue;
    if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    if (name === 'x-forwarded-proto') hasProto = true;
    else if (name === 'x-request-id') hasRequestId = true;
    out.push(raw, value);
  }
  out.push('host', authority);
  if (remoteAddress) forwardedFor = forwardedFor === undefined ? remoteAddress : `${forwardedFor}, ${remoteAddress}`;
  if (forwardedFor !== undefined) out.push('x-forwarded-for', forwardedFor);
  if (!hasProto) out.push('x-forwarded-proto', 'http');
  if (!hasRequestId) out.push('x-request-id', randomUUID());
  return out;
}

/** The upstream's response headers without its hop-by-hop headers (mutates and returns them). */
export function downstreamResponseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = connectionListed(headers.connection);
  for (const name of HOP_BY_HOP) delete headers[name];
  if (listed) for (const name of listed) delete headers[name];
  return headers;
}
