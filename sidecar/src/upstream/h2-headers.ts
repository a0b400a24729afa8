// Headers between undici's form and HTTP/2's: a request's flat header list into h2 headers with
// pseudo-headers, and response headers back without them.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { H2DispatchOptions } from './h2-dispatch.js';

/** The request's h2 headers: :method, :path, :scheme, `host` as :authority, repeated names as lists. */
export function toH2Headers(options: H2DispatchOptions): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ':method': options.method, ':path': options.path, ':scheme': 'http' };
  const flat = options.headers;
  for (let i = 0; i < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    const value = flat[i + 1] as string;
    if (name === 'host') {
      headers[':authority'] = value;
      continue;
    }
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = [existing as string, value];
  }
  return headers;
}

/** Response headers as undici gives them: no pseudo-headers. */
export function responseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const name in headers) if (name.charCodeAt(0) !== 58) out[name] = headers[name];
  return out;
}
