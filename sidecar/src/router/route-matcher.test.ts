import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forwardTo } from './route-action.js';
import { findRoute, type RequestHead, type Route } from './route-matcher.js';

function head(path: string, headers: Record<string, string> = {}, method = 'GET'): RequestHead {
  return { path, headers, method };
}

describe('route matching', () => {
  const routes: Route[] = [
    {
      name: 'exact',
      match: { path: { kind: 'path', value: '/health' }, headers: [], query: [] },
      action: forwardTo('a'),
    },
    {
      name: 'regex',
      match: { path: { kind: 'regex', value: /^(?:\/users\/\d+)$/ }, headers: [], query: [] },
      action: forwardTo('b'),
    },
    {
      name: 'api',
      match: { path: { kind: 'prefix', value: '/api/' }, headers: [], query: [] },
      action: forwardTo('c'),
    },
    {
      name: 'api-v1',
      match: { path: { kind: 'prefix', value: '/api/v1' }, headers: [], query: [] },
      action: forwardTo('never: /api/ comes first'),
    },
    { name: 'all', match: { path: { kind: 'prefix', value: '/' }, headers: [], query: [] }, action: forwardTo('d') },
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
      assert.equal(findRoute(routes, head(path))?.name, expected);
    });
  }

  it('matches a prefix against the query too, as Envoy does', () => {
    assert.equal(
      findRoute(
        [
          {
            name: 'q',
            match: { path: { kind: 'prefix', value: '/search?q=' }, headers: [], query: [] },
            action: forwardTo('a'),
          },
        ],
        head('/search?q=x'),
      )?.name,
      'q',
    );
  });

  it('finds no route when none matches', () => {
    assert.equal(findRoute(routes.slice(0, 3), head('/other')), undefined);
  });

  describe('on headers, method and query parameters', () => {
    const canary: Route = {
      name: 'canary',
      match: {
        path: { kind: 'prefix', value: '/' },
        headers: [
          { name: 'x-canary', match: { kind: 'exact', value: 'yes', ignoreCase: false }, invert: false },
          { name: ':method', match: { kind: 'exact', value: 'GET', ignoreCase: false }, invert: false },
        ],
        query: [{ name: 'debug', match: undefined, invert: false }],
      },
      action: forwardTo('v2'),
    };
    const notMobile: Route = {
      name: 'desktop',
      match: {
        path: { kind: 'prefix', value: '/' },
        headers: [{ name: 'user-agent', match: { kind: 'regex', value: /^(?:.*Mobile.*)$/ }, invert: true }],
        query: [],
      },
      action: forwardTo('v1'),
    };
    const cases: Array<[head: RequestHead, expected: string | undefined]> = [
      [head('/x?debug', { 'x-canary': 'yes' }), 'canary'],
      [head('/x?debug=1&a=2', { 'x-canary': 'yes' }), 'canary'],
      [head('/x', { 'x-canary': 'yes' }), 'desktop'],
      [head('/x?debug', { 'x-canary': 'YES' }), 'desktop'],
      [head('/x?debug', { 'x-canary': 'yes' }, 'POST'), 'desktop'],
      [head('/x', { 'user-agent': 'Firefox Mobile' }), undefined],
      [head('/x', {}), 'desktop'],
    ];
    for (const [request, expected] of cases) {
      it(`sends ${request.method} ${request.path} ${JSON.stringify(request.headers)} to ${expected ?? 'no route'}`, () => {
        assert.equal(findRoute([canary, notMobile], request)?.name, expected);
      });
    }
  });
});
