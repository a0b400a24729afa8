// Checks a request's header section before it is routed: more than one Host (RFC 9112 §3.2 asks
// for 400), more header fields than the listener takes (Envoy's max_headers_count, 431) and more
// than 64 KiB of them (431; Node's h1 parser stops there itself, nghttp2 does not), so a request is
// refused whole rather than routed by its first Host or forwarded with part of its headers.
import { MAX_REQUEST_HEADERS_LIMIT } from '../../../shared/listener-limits.js';

/** The header section's size limit, names and values (Envoy's max_request_headers_kb is 60 KiB by default). */
export const MAX_REQUEST_HEADER_BYTES = 64 * 1024;

/** Node's parsers keep this many fields and silently drop the rest: one more than any limit shows an overflow. */
export const PARSER_MAX_HEADERS_COUNT = MAX_REQUEST_HEADERS_LIMIT + 1;

/**
 * The status and reason to refuse a request with, from its raw name/value list and the listener's
 * `maxHeaders`; undefined when it is fine.
 */
export function headersProblem(rawHeaders: readonly string[], maxHeaders: number): [number, string] | undefined {
  let fields = 0;
  let hosts = 0;
  let bytes = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    bytes += name.length + (rawHeaders[i + 1] as string).length;
    if (name.startsWith(':')) continue;
    fields++;
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
  }
  if (fields > maxHeaders) return [431, `more than ${maxHeaders} request header fields`];
  if (bytes > MAX_REQUEST_HEADER_BYTES)
    return [431, `request headers larger than ${MAX_REQUEST_HEADER_BYTES / 1024} KiB`];
  if (hosts > 1) return [400, `${hosts} Host headers; a request has one (RFC 9112)`];
  return undefined;
}
