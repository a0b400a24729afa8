import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findRoute, type Route } from './route-matcher.js';

describe('route matching', () => {
  const routes: Route[] = [
    { name: 'exact', match: { kind: 'path', value: '/health' }, cluster: 'a' },
    { name: 'regex', match: { kind: 'regex', value: /^(?:\/users\/\d+)$/ }, cluster: 'b' },
    { name: 'api', match: { kind: 'prefix', value: '/api/' }, cluster: 'c' },
    { name: 'api-v1', match: { kind: 'prefix', value: '/api/v1' }, cluster: 'never: /api/ comes first' },
    { name: 'all', match: { kind: 'prefix', value: '/' }, cluster: 'd' },
  ];
  const cases: Array<[path: string, expected: string]> = [
    ['/health', 'exact'],
    ['/health?verbose=1', 'exact'],
    ['/healthz', 'all'],
    ['/users/42', 'regex'],
    ['/users/42?page=2', 'regex'],
    ['/users/42/posts', 'all'],
    ['/api/v1/orders', 'api'],
    ['/', 'all'],
  ];
  for (const [path, expected] of cases) {
    it(`sends ${path} to the "${expected}" route (first match wins; exact and regex ignore the query)`, () => {
      assert.equal(findRoute(routes, path)?.name, expected);
    });
  }

  it('matches a prefix against the query too, as Envoy does', () => {
    assert.equal(findRoute([{ name: 'q', match: { kind: 'prefix', value: '/search?q=' }, cluster: 'a' }], '/search?q=x')?.name, 'q');
  });

  it('finds no route when none matches', () => {
    assert.equal(findRoute(routes.slice(0, 3), '/other'), undefined);
  });
});
