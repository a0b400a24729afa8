import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, describe, it } from 'node:test';
import type { Cluster } from '../cluster/cluster.js';
import { FaultFilter } from '../filters/fault-filter.js';
import { HttpFilterChain } from '../filters/http-filter-chain.js';
import { LocalRateLimitFilter } from '../filters/local-rate-limit-filter.js';
import { RetryOn, type RetryPolicy } from '../http/retry-policy.js';
import { routeStack } from '../route/route-stack.js';
import { compileProxyConfig } from '../xds/compile.js';
import { received, sentResources } from '../../test-support/compile-fixtures.js';
import { onePerMinute } from '../../test-support/request-path.js';
import type { Route } from './route-matcher.js';
import { routeRequest, type HttpRoutes } from './router.js';
import { VirtualHostTable } from './virtual-host-table.js';

/** Endpoints the fake clusters picked, over all requests. */
let picks = 0;

interface Outcome {
  status?: number;
  body?: string;
  cluster?: string;
  authority?: string;
  path?: string;
}

/** The router over a fake cluster layer, whose one endpoint records what it was sent instead of sending it. */
function route(routes: HttpRoutes, clusterNames: string[], url: string, host: string | undefined): Outcome {
  const outcome: Outcome = {};
  const clusters = new Map(
    clusterNames.map((name) => {
      const dispatcher = {
        dispatch: (options: { path: string; headers: string[] }) =>
          Object.assign(outcome, { cluster: name, authority: options.headers[1], path: options.path }),
      };
      const endpoint = { host: { stats: { requests: 0, active: 0 }, dispatcher } };
      return [
        name,
        {
          name,
          pickAttempt: () => {
            picks++;
            return { kind: 'endpoint', endpoint, onAttemptEnd: () => undefined };
          },
        } as unknown as Cluster,
      ];
    }),
  );
  const req = {
    url,
    method: 'GET',
    headers: host === undefined ? {} : { host },
    rawHeaders: [],
    socket: {},
  } as unknown as IncomingMessage;
  const res = {
    req,
    headersSent: false,
    on: () => undefined,
    writeHead: (status: number) => Object.assign(outcome, { status }),
    end: (body: string) => Object.assign(outcome, { body }),
  } as unknown as ServerResponse;
  routeRequest(routes, clusters, req, res);
  return outcome;
}

describe('router', () => {
  const backend = 'backend.default.svc.cluster.local';
  const orders = 'orders.shop.svc.cluster.local';
  const sent = sentResources('default', [
    { name: 'backend', namespace: 'default', endpoints: [{ port: 40123 }] },
    { name: 'orders', namespace: 'shop', endpoints: [{ port: 40124 }] },
  ]);
  sent.routes[0]?.virtual_hosts.push({
    name: 'wild',
    domains: ['*.example.com'],
    routes: [{ match: { prefix: '/' }, route: { cluster: 'wild' } }],
  });
  const config = compileProxyConfig(received(sent));
  const outbound = config.listeners.get('outbound') as HttpRoutes;
  after(() => config.hosts.closeAll());

  const cases: Array<[url: string, host: string | undefined, expected: Outcome]> = [
    ['/x', 'backend', { cluster: backend, authority: 'backend', path: '/x' }],
    ['/x', 'backend:8080', { cluster: backend, authority: 'backend:8080', path: '/x' }],
    ['/x', 'BACKEND:8080', { cluster: backend, authority: 'BACKEND:8080', path: '/x' }],
    ['/x', 'backend.default', { cluster: backend, authority: 'backend.default', path: '/x' }],
    ['/x', 'backend.default:8080', { cluster: backend, authority: 'backend.default:8080', path: '/x' }],
    ['/x', 'backend.default.svc', { cluster: backend, authority: 'backend.default.svc', path: '/x' }],
    [
      '/x',
      'backend.default.svc.cluster.local',
      { cluster: backend, authority: 'backend.default.svc.cluster.local', path: '/x' },
    ],
    [
      '/x',
      'backend.default.svc.cluster.local:80',
      { cluster: backend, authority: 'backend.default.svc.cluster.local:80', path: '/x' },
    ],
    ['/x', 'orders.shop', { cluster: orders, authority: 'orders.shop', path: '/x' }],
    ['/x', 'www.example.com:443', { cluster: 'wild', authority: 'www.example.com:443', path: '/x' }],
    ['http://backend:8080/x?y=1', 'proxy.local', { cluster: backend, authority: 'backend:8080', path: '/x?y=1' }],
    ['/x', 'orders', { status: 404, body: 'no route for host "orders" (outbound listener)\n' }],
    ['/x', 'nosuch:80', { status: 404, body: 'no route for host "nosuch" (outbound listener)\n' }],
    [
      '/x',
      undefined,
      { status: 400, body: 'request target "/x" needs a Host header or an absolute http:// URI (outbound listener)\n' },
    ],
  ];
  for (const [url, host, expected] of cases) {
    it(`routes ${url} with Host ${host ?? '(none)'} to ${expected.cluster ?? expected.status}`, () => {
      assert.deepEqual(route(outbound, [backend, orders, 'wild'], url, host), expected);
    });
  }

  it('answers 503 naming the cluster when the route names a cluster the sidecar does not have', () => {
    assert.deepEqual(route(outbound, [], '/x', 'backend'), {
      status: 503,
      body: `cluster "${backend}" not found (route "default")\n`,
    });
  });

  it('answers 503 while the route configuration has not arrived', () => {
    const pending = compileProxyConfig({ ...received(sent), routes: new Map() });
    const outcome = route(pending.listeners.get('outbound') as HttpRoutes, [backend], '/x', 'backend');
    assert.equal(outcome.status, 503);
    assert.match(outcome.body ?? '', /RouteConfiguration "outbound" has not arrived/);
  });

  it('matches the port too when the listener does not strip it (Envoy default)', () => {
    const literal = { ...outbound, stripAnyHostPort: false };
    assert.equal(route(literal, [backend], '/x', 'backend:8080').status, 404);
    assert.equal(route(literal, [backend], '/x', 'backend').cluster, backend);
  });

  describe('stack order: the filters run before the route stack', () => {
    const retry: RetryPolicy = {
      retryOn: RetryOn.serverError,
      numRetries: 3,
      retriableStatusCodes: new Set(),
      perTryTimeoutMs: 0,
      baseIntervalMs: 1,
      maxIntervalMs: 1,
      retriableRequestHeaders: [],
    };
    const base = outbound.routeTable?.virtualHosts.find('backend')?.routes[0] as Route;

    /** The outbound listener with rate limit and fault filters, and one retried route with `config`. */
    function filtered(config: Partial<Route['action']['filterConfig']>): HttpRoutes {
      const routeWith: Route = {
        ...base,
        action: {
          ...base.action,
          retry,
          dispatch: routeStack(retry, false),
          filterConfig: { routeName: 'default', rateLimit: undefined, fault: undefined, ...config },
        },
      };
      return {
        ...outbound,
        filters: new HttpFilterChain([new LocalRateLimitFilter(undefined), new FaultFilter()]),
        routeTable: {
          name: 'outbound',
          virtualHosts: new VirtualHostTable([[{ kind: 'any' }, { name: 'any', routes: [routeWith] }]]),
        },
      };
    }

    it('a rate-limited request never reaches the picker', () => {
      const rateLimit = onePerMinute();
      const routes = filtered({ rateLimit });
      const before = picks;
      assert.equal(route(routes, [backend], '/x', 'backend').cluster, backend);
      assert.equal(route(routes, [backend], '/x', 'backend').status, 429);
      assert.equal(picks - before, 1, 'only the request within the limit was picked an endpoint');
    });

    it('a fault abort is never retried: it never reaches the picker', () => {
      const fault = { delayMs: 0, delayPerMillion: 0, abortStatus: 503, abortPerMillion: 1_000_000 };
      const before = picks;
      assert.deepEqual(route(filtered({ fault }), [backend], '/x', 'backend'), {
        status: 503,
        body: 'fault filter abort (route "default")\n',
      });
      assert.equal(picks, before);
    });
  });
});
