// A route's match, compiled once: path prefix, exact path or regex. As in Envoy, a prefix is
// matched against the whole :path, while exact paths and regexes see it without the query.

export type PathMatch = { kind: 'prefix'; value: string } | { kind: 'path'; value: string } | { kind: 'regex'; value: RegExp };

export interface Route {
  name: string;
  match: PathMatch;
  cluster: string;
}

/** The first route whose match accepts the request's path (origin form, query included). */
export function findRoute(routes: readonly Route[], pathWithQuery: string): Route | undefined {
  let path: string | undefined;
  for (const route of routes) {
    const match = route.match;
    if (match.kind === 'prefix') {
      if (pathWithQuery.startsWith(match.value)) return route;
      continue;
    }
    if (path === undefined) {
      const query = pathWithQuery.indexOf('?');
      path = query === -1 ? pathWithQuery : pathWithQuery.slice(0, query);
    }
    if (match.kind === 'path' ? path === match.value : match.value.test(path)) return route;
  }
  return undefined;
}
