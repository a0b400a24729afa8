// Where a request is going: its authority and path, from the Host header or from an
// absolute-form target (`GET http://backend:8080/x`, what clients using HTTP_PROXY send), and
// the host its virtual host is looked up by.

export interface RequestTarget {
  /** As the client wrote it, port included: forwarded upstream as Host. */
  authority: string;
  /** Lowercase, port stripped when the listener strips ports: what virtual hosts match. */
  host: string;
  /** Origin-form path with query. */
  path: string;
}

const ABSOLUTE_HTTP = /^http:\/\//i;

export function requestTarget(
  url: string,
  hostHeader: string | undefined,
  stripPort: boolean,
): RequestTarget | undefined {
  let authority: string;
  let path: string;
  if (url.charCodeAt(0) === 47 /* '/' */) {
    if (hostHeader === undefined || hostHeader === '') return undefined;
    authority = hostHeader;
    path = url;
  } else if (ABSOLUTE_HTTP.test(url)) {
    // RFC 9112 §3.2.2: with an absolute-form target, the target's authority replaces Host.
    let end = 7;
    while (end < url.length && url.charCodeAt(end) !== 47 /* '/' */ && url.charCodeAt(end) !== 63 /* '?' */) end++;
    authority = url.slice(7, end);
    path = end === url.length ? '/' : url.charCodeAt(end) === 47 ? url.slice(end) : `/${url.slice(end)}`;
    if (authority === '') return undefined;
  } else {
    return undefined;
  }
  const lower = authority.toLowerCase();
  return { authority, host: stripPort ? withoutPort(lower) : lower, path };
}

function withoutPort(authority: string): string {
  if (authority.charCodeAt(0) === 91 /* '[' */) {
    const end = authority.indexOf(']');
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}
