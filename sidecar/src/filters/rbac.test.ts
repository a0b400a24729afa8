// Authorization tables: AuthorizationPolicy YAML as the control plane translates it, sent as xDS
// (encoded, decoded), compiled by the sidecar, then asked about requests.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { TYPE_URL, decodeResource, encodeResource } from '../../../proto/xds.js';
import { policiesFor, rbacHttpFilters } from '../../../control-plane/src/translate/rbac-filters.js';
import { authorizationConfig } from '../../../test/support/authorization-policies.js';
import { keepOriginalPort } from '../http/destination-port.js';
import { compileRbacFilter } from '../xds/compile-rbac-filter.js';
import { HttpFilterChain } from './http-filter-chain.js';
import type { HttpFilter, RouteFilterConfig } from './http-filter.js';
import { RbacFilter } from './rbac-filter.js';

interface Request {
  method?: string;
  path?: string;
  port?: number;
  principal?: string;
  headers?: Record<string, string>;
  /** The port iptables redirected the connection from (intercept mode). */
  redirectedFrom?: number;
}

const ROUTE: RouteFilterConfig = { routeName: 'default', rateLimit: undefined, fault: undefined };
const WEB = 'spiffe://cluster.local/ns/shop/sa/web';
const ADMIN = 'spiffe://cluster.local/ns/ops/sa/admin';

/** The sidecar's RBAC filters for the backend service of namespace shop under `policies` (YAML specs). */
function filtersFor(...policies: string[]): HttpFilter[] {
  const config = authorizationConfig(...policies);
  const backend = { name: 'backend', namespace: 'shop', instances: [] };
  return rbacHttpFilters(policiesFor(config, backend)).map((filter, index) => {
    // Through the wire, as a sidecar receives it.
    const listener = { name: 'l', filter_chains: [{ filters: [{ name: 'f', typed_config: filter.typed_config }] }] };
    const received = decodeResource(encodeResource(TYPE_URL.listener, listener)) as {
      filter_chains: Array<{ filters: Array<{ typed_config: { '@type'?: string } }> }>;
    };
    return compileRbacFilter(
      'Listener "l"',
      `http_filters[${index}]`,
      received.filter_chains[0]?.filters[0]?.typed_config,
    );
  });
}

/** Whether the chain of `filters` lets `request` through to the router. */
function isAllowed(filters: HttpFilter[], request: Request): boolean {
  const chain = new HttpFilterChain(
    filters.map((filter) => new RbacFilter((filter as RbacFilter).engine, () => request.principal)),
  );
  const req = {
    method: request.method ?? 'GET',
    url: request.path ?? '/',
    headers: request.headers ?? {},
    socket: { localPort: request.port ?? 8080 },
  } as unknown as IncomingMessage;
  if (request.redirectedFrom !== undefined) keepOriginalPort(req.socket, request.redirectedFrom);
  let reply: { status: number; body: string } | undefined;
  const res = {
    req,
    headersSent: false,
    writeHead: (status: number) => (reply = { status, body: '' }),
    end: (body: string) => reply && (reply.body = body),
  };
  let reached = false;
  chain.decode(req, res as never, ROUTE, () => (reached = true), undefined);
  if (!reached) assert.deepEqual(reply, { status: 403, body: 'RBAC: access denied\n' });
  return reached;
}

const ALLOW_WEB_GETS = `  selector: { matchLabels: { app: backend } }
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/web] } }]
      to: [{ operation: { methods: [GET], paths: [/api/*, /health] } }]
`;

describe('authorization (AuthorizationPolicy → RBAC filter)', () => {
  const table: Array<[string, string[], Request, boolean]> = [
    ['no policy: allowed', [], { path: '/anything' }, true],
    ['ALLOW matched: allowed', [ALLOW_WEB_GETS], { principal: WEB, path: '/api/items?x=1' }, true],
    [
      'ALLOW present, other method: denied',
      [ALLOW_WEB_GETS],
      { principal: WEB, method: 'POST', path: '/api/x' },
      false,
    ],
    ['ALLOW present, other path: denied', [ALLOW_WEB_GETS], { principal: WEB, path: '/admin' }, false],
    ['ALLOW present, other principal: denied', [ALLOW_WEB_GETS], { principal: ADMIN, path: '/health' }, false],
    ['ALLOW on principals without mTLS: denied', [ALLOW_WEB_GETS], { path: '/health' }, false],
    ['ALLOW without rules denies all', ['  {}\n'], { path: '/' }, false],
    ['ALLOW with one empty rule allows all', ['  rules: [{}]\n'], { path: '/' }, true],
    [
      'DENY unmatched: allowed',
      ['  action: DENY\n  rules: [{ to: [{ operation: { paths: [/admin*] } }] }]\n'],
      { path: '/api' },
      true,
    ],
    [
      'DENY matched: denied',
      ['  action: DENY\n  rules: [{ to: [{ operation: { paths: [/admin*] } }] }]\n'],
      { path: '/admin/x' },
      false,
    ],
    [
      'DENY over ALLOW',
      ['  rules: [{}]\n', '  action: DENY\n  rules: [{ to: [{ operation: { methods: [DELETE] } }] }]\n'],
      { method: 'DELETE' },
      false,
    ],
    ['a policy selecting another app does not apply', ['  selector: { matchLabels: { app: other } }\n'], {}, true],
    [
      'notNamespaces: a caller from another namespace is allowed',
      ['  rules: [{ from: [{ source: { notNamespaces: [ops] } }] }]\n'],
      { principal: WEB },
      true,
    ],
    [
      'notNamespaces: a caller from that namespace is denied',
      ['  rules: [{ from: [{ source: { notNamespaces: [ops] } }] }]\n'],
      { principal: ADMIN },
      false,
    ],
    [
      'namespaces: matches the ns of the SPIFFE ID',
      ['  rules: [{ from: [{ source: { namespaces: [sh*] } }] }]\n'],
      { principal: WEB },
      true,
    ],
    [
      'notPaths and suffix match',
      ['  rules: [{ to: [{ operation: { notPaths: ["*.secret"] } }] }]\n'],
      { path: '/a.secret' },
      false,
    ],
    ['notMethods', ['  rules: [{ to: [{ operation: { notMethods: [GET] } }] }]\n'], { method: 'PUT' }, true],
    ['ports', ['  rules: [{ to: [{ operation: { ports: ["9090"] } }] }]\n'], { port: 8080 }, false],
    ['notPorts', ['  rules: [{ to: [{ operation: { notPorts: [9090] } }] }]\n'], { port: 8080 }, true],
    [
      'ports: the app port an intercepted connection was sent to, not the port it was redirected to',
      ['  rules: [{ to: [{ operation: { ports: ["9090"] } }] }]\n'],
      { port: 15006, redirectedFrom: 9090 },
      true,
    ],
    [
      'notPrincipals: another caller',
      ['  rules: [{ from: [{ source: { notPrincipals: ["*/sa/admin"] } }] }]\n'],
      { principal: WEB },
      true,
    ],
    [
      'notPrincipals: that caller',
      ['  rules: [{ from: [{ source: { notPrincipals: ["*/sa/admin"] } }] }]\n'],
      { principal: ADMIN },
      false,
    ],
    [
      'when: the header has one of the values',
      ['  rules: [{ when: [{ key: "request.headers[x-team]", values: [blue, green] }] }]\n'],
      { headers: { 'x-team': 'green' } },
      true,
    ],
    [
      'when: the header is missing',
      ['  rules: [{ when: [{ key: "request.headers[x-team]", values: [blue] }] }]\n'],
      {},
      false,
    ],
    [
      'when notValues: the header has a refused value',
      ['  rules: [{ when: [{ key: "request.headers[x-team]", notValues: [red] }] }]\n'],
      { headers: { 'x-team': 'red' } },
      false,
    ],
  ];
  for (const [name, policies, request, expected] of table)
    it(name, () => assert.equal(isAllowed(filtersFor(...policies), request), expected));
});
