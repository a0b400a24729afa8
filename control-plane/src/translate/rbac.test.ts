// AuthorizationPolicy → the RBAC filters of a service's inbound listener, as Envoy reads them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL, decodeResource, encodeResource } from '../../../proto/xds.js';
import type { ConfigSet } from '../config/config-set.js';
import { authorizationConfig } from '../../../test/support/authorization-policies.js';
import type { ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/service-view.js';
import { translate } from './translate.js';

type Json = Record<string, any>;
const BACKEND = 'backend.shop.svc.cluster.local';

const config = authorizationConfig;

const SERVICES: ServiceView[] = [
  {
    name: 'backend',
    namespace: 'shop',
    instances: [
      {
        service: 'backend',
        namespace: 'shop',
        instanceId: 'b-1',
        address: '127.0.0.1',
        port: 40000,
        labels: { version: 'v1' },
        protocol: 'http',
      },
    ],
  },
];

/** The inbound listener's HTTP filters; `received`: after an encode/decode round trip, as a proxy gets them. */
function inboundFilters(mesh: ConfigSet, received = false): Json[] {
  const listener = translate(SERVICES, 'shop', mesh)[TYPE_URL.listener].get(`inbound|${BACKEND}`) as Json;
  const sent = received ? decodeResource(encodeResource(TYPE_URL.listener, listener)) : listener;
  return (sent as Json).filter_chains[0].filters.at(-1).typed_config.http_filters as Json[];
}

describe('translate AuthorizationPolicy to RBAC filters', () => {
  it('puts a DENY filter, then an ALLOW filter, before the router', () => {
    const filters = inboundFilters(config('  action: ALLOW\n  rules: [{}]\n', '  action: DENY\n  rules: [{}]\n'), true);
    assert.deepEqual(
      filters.map((filter) => [filter.name, filter.typed_config.rules?.action]),
      [
        ['envoy.filters.http.rbac', 'DENY'],
        ['envoy.filters.http.rbac', 'ALLOW'],
        ['envoy.filters.http.router', undefined],
      ],
    );
  });

  it('translates a rule: sources to principals (with when), operations to permissions', () => {
    const [filter] = inboundFilters(
      config(
        [
          '  rules:',
          '    - from: [{ source: { principals: [cluster.local/ns/shop/sa/web], notNamespaces: [test] } }]',
          '      to: [{ operation: { methods: [GET, HEAD], paths: [/api/*], notPorts: ["9090"] } }]',
          '      when: [{ key: "request.headers[x-user]", values: ["*-admin"] }]',
          '',
        ].join('\n'),
      ),
    );
    const policy = (filter as Json).typed_config.rules.policies['ns[shop]-policy[p0]-rule[0]'];
    assert.deepEqual(policy.permissions, [
      {
        and_rules: {
          rules: [
            { not_rule: { destination_port: 9090 } },
            {
              or_rules: {
                rules: [
                  { header: { name: ':method', string_match: { exact: 'GET' } } },
                  { header: { name: ':method', string_match: { exact: 'HEAD' } } },
                ],
              },
            },
            { url_path: { path: { prefix: '/api/' } } },
          ],
        },
      },
    ]);
    assert.deepEqual(policy.principals, [
      {
        and_ids: {
          ids: [
            { authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/shop/sa/web' } } },
            {
              not_id: {
                authenticated: { principal_name: { safe_regex: { regex: 'spiffe://[^/]+/ns/test/sa/[^/]+' } } },
              },
            },
            { header: { name: 'x-user', string_match: { suffix: '-admin' } } },
          ],
        },
      },
    ]);
  });

  it('gives an ALLOW policy without rules an ALLOW filter with no policies: it denies all', () => {
    const [filter] = inboundFilters(config('  {}\n'), true);
    assert.equal((filter as Json).typed_config.rules.action, 'ALLOW');
    assert.deepEqual((filter as Json).typed_config.rules.policies ?? {}, {});
  });

  it('applies only policies whose selector matches a workload of the service (app is its name)', () => {
    const names = (selector: string) =>
      inboundFilters(config(`  selector: { matchLabels: ${selector} }\n  rules: [{}]\n`)).map((filter) => filter.name);
    assert.deepEqual(names('{ app: backend, version: v1 }'), ['envoy.filters.http.rbac', 'envoy.filters.http.router']);
    assert.deepEqual(names('{ app: frontend }'), ['envoy.filters.http.router']);
    assert.deepEqual(names('{ version: v2 }'), ['envoy.filters.http.router']);
  });

  it("gives a TCP service's sidecars an inbound listener with network RBAC: HTTP-only fields never allow, and deny more", () => {
    const vault: ServiceView = {
      name: 'vault',
      namespace: 'shop',
      instances: [{ ...(SERVICES[0]?.instances[0] as ServiceInstance), service: 'vault', protocol: 'tcp' }],
    };
    const mesh = config(
      '  rules:\n    - to: [{ operation: { ports: ["5432"] } }]\n    - to: [{ operation: { paths: [/x] } }]\n',
      '  action: DENY\n  rules: [{ to: [{ operation: { methods: [DELETE] } }] }]\n',
    );
    const listener = translate([vault], 'shop', mesh)[TYPE_URL.listener].get(
      'inbound|vault.shop.svc.cluster.local',
    ) as Json;
    const filters = (decodeResource(encodeResource(TYPE_URL.listener, listener)) as Json).filter_chains[0]
      .filters as Json[];
    assert.deepEqual(
      filters.map((filter) => filter.name),
      ['envoy.filters.network.rbac', 'envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy'],
    );
    assert.equal(filters[2]?.typed_config.cluster, 'inbound');
    const [deny, allow] = filters.map((filter) => filter.typed_config.rules);
    assert.deepEqual(Object.keys(allow.policies), ['ns[shop]-policy[p0]-rule[0]']);
    assert.deepEqual(deny.policies['ns[shop]-policy[p1]-rule[0]'].permissions, [{ any: true, rule: 'any' }]);
    assert.equal(
      translate(SERVICES, 'shop', mesh)[TYPE_URL.listener].has('inbound|vault.shop.svc.cluster.local'),
      false,
    );
  });
});
