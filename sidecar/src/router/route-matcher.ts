// A route's match, compiled once: exact path, path prefix or regex (RE2 syntax is close enough to
// JavaScript's for the patterns routes use; one that does not compile is rejected). The query
// string is not part of the path being matched, as in Envoy.

export type PathMatch = { kind: 'path'; value: string } | { kind: 'prefix'; value: string } | { kind: 'regex'; value: RegExp };

export interface Route {
  name: string;
  match: PathMatch;
  cluster: string;
}

export function matchesPath(match: PathMatch, path: string): boolean {
  switch (match.kind) {
    case 'prefix':
      return path.startsWith(match.value);
    case 'path':
      return path === match.value;
    case 'regex':
      return match.value.test(path);
  }
}

/** The first route whose match accepts the request's path (query string removed). */
export function findRoute(routes: readonly Route[], pathWithQuery: string): Route | undefined {
  const query = pathWithQuery.indexOf('?');
  const path = query === -1 ? pathWithQuery : pathWithQuery.slice(0, query);
  for (const route of routes) if (matchesPath(route.match, path)) return route;
  return undefined;
}
