// Where a request is going: its host (lowercase, port stripped) and path, from the Host header or
// from an absolute-form target (`GET http://backend:8080/x`, what HTTP_PROXY clients send).

export interface RequestTarget {
  /** As written by the client, with port: forwarded upstream unchanged. */
  authority: string;
  /** Lowercase, without port: what virtual hosts match. */
  host: string;
  /** Origin-form path with query. */
  path: string;
}

export function requestTarget(url: string, hostHeader: string | undefined): RequestTarget | undefined {
  if (url.charCodeAt(0) === 47 /* '/' */) {
    if (!hostHeader) return undefined;
    return { authority: hostHeader, host: stripPort(hostHeader.toLowerCase()), path: url };
  }
  const scheme = url.startsWith('http://') ? 7 : url.startsWith('https://') ? 8 : 0;
  if (scheme === 0) return undefined;
  const slash = url.indexOf('/', scheme);
  const authority = slash === -1 ? url.slice(scheme) : url.slice(scheme, slash);
  if (authority === '') return undefined;
  return { authority, host: stripPort(authority.toLowerCase()), path: slash === -1 ? '/' : url.slice(slash) };
}

function stripPort(authority: string): string {
  if (authority.charCodeAt(0) === 91 /* '[' */) {
    const end = authority.indexOf(']');
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}
