// Envoy's HeaderMatcher and QueryParameterMatcher, compiled once: a string match (exact, prefix,
// suffix, contains, regex) or presence, optionally inverted. A request evaluates them by lookups
// only; repeated headers are matched against their values joined by ",", as in Envoy.
import type { IncomingHttpHeaders } from 'node:http';

export type StringMatch =
  | { kind: 'exact'; value: string; ignoreCase: boolean }
  | { kind: 'prefix'; value: string; ignoreCase: boolean }
  | { kind: 'suffix'; value: string; ignoreCase: boolean }
  | { kind: 'contains'; value: string; ignoreCase: boolean }
  | { kind: 'regex'; value: RegExp };

export interface ValueMatcher {
  /** Lowercase header name, or the query parameter name as written. */
  name: string;
  /** Undefined: the header (or parameter) only has to be present. */
  match: StringMatch | undefined;
  invert: boolean;
}

export function matchesString(match: StringMatch, value: string): boolean {
  if (match.kind === 'regex') return match.value.test(value);
  const subject = match.ignoreCase ? value.toLowerCase() : value;
  switch (match.kind) {
    case 'exact':
      return subject === match.value;
    case 'prefix':
      return subject.startsWith(match.value);
    case 'suffix':
      return subject.endsWith(match.value);
    case 'contains':
      return subject.includes(match.value);
  }
}

export function matchesValue(matcher: ValueMatcher, value: string | undefined): boolean {
  const isMatch = value !== undefined && (matcher.match === undefined || matchesString(matcher.match, value));
  return isMatch !== matcher.invert;
}

/** `:method` and `:authority` are the pseudo-headers a route may match besides real headers. */
export function headerValue(
  headers: IncomingHttpHeaders,
  method: string | undefined,
  name: string,
): string | undefined {
  if (name === ':method') return method;
  if (name === ':authority') return headers.host;
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export function matchesHeaders(
  matchers: readonly ValueMatcher[],
  headers: IncomingHttpHeaders,
  method: string | undefined,
): boolean {
  for (const matcher of matchers) if (!matchesValue(matcher, headerValue(headers, method, matcher.name))) return false;
  return true;
}

/** The first value of each query parameter, decoded; only computed for routes that match on the query. */
export function queryParameters(pathWithQuery: string): URLSearchParams {
  const start = pathWithQuery.indexOf('?');
  return new URLSearchParams(start === -1 ? '' : pathWithQuery.slice(start + 1));
}

export function matchesQuery(matchers: readonly ValueMatcher[], query: URLSearchParams): boolean {
  for (const matcher of matchers) if (!matchesValue(matcher, query.get(matcher.name) ?? undefined)) return false;
  return true;
}
