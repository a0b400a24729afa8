// A route's match, compiled once: path prefix, exact path or regex, then header and query
// parameter matchers, all of which must accept. As in Envoy, a prefix is matched against the whole
// :path, while exact paths and regexes see it without the query.
import type { IncomingHttpHeaders } from 'node:http';
import { matchesHeaders, matchesQuery, queryParameters, type ValueMatcher } from '../http/header-matcher.js';
import type { RouteAction } from './route-action.js';

export type PathMatch =
  { kind: 'prefix'; value: string } | { kind: 'path'; value: string } | { kind: 'regex'; value: RegExp };

export interface RouteMatch {
  path: PathMatch;
  /** Empty when the route matches on the path only (the common case costs nothing more). */
  headers: readonly ValueMatcher[];
  query: readonly ValueMatcher[];
}

export interface Route {
  name: string;
  match: RouteMatch;
  action: RouteAction;
}

/** What of a request routes match on. */
export interface RequestHead {
  method: string | undefined;
  headers: IncomingHttpHeaders;
  /** Origin form, query included. */
  path: string;
}

/** The first route whose match accepts the request. */
export function findRoute(routes: readonly Route[], request: RequestHead): Route | undefined {
  let path: string | undefined;
  let query: URLSearchParams | undefined;
  for (const route of routes) {
    const { match } = route;
    const pathMatch = match.path;
    if (pathMatch.kind === 'prefix') {
      if (!request.path.startsWith(pathMatch.value)) continue;
    } else {
      if (path === undefined) {
        const start = request.path.indexOf('?');
        path = start === -1 ? request.path : request.path.slice(0, start);
      }
      if (pathMatch.kind === 'path' ? path !== pathMatch.value : !pathMatch.value.test(path)) continue;
    }
    if (match.headers.length > 0 && !matchesHeaders(match.headers, request.headers, request.method)) continue;
    if (match.query.length > 0) {
      query ??= queryParameters(request.path);
      if (!matchesQuery(match.query, query)) continue;
    }
    return route;
  }
  return undefined;
}
