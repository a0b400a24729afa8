// Sidecar scoping: which group a sidecar joins, and what a scoped group holds — only the services
// its egress hosts allow (and what their routes send to), still consistent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL } from '../../../proto/xds.js';
import { validateConfig, type ConfigSet } from '../config/config-set.js';
import type { ServiceView } from '../registry/registry.js';
import { snapshotProblems } from '../xds/snapshot-consistency.js';
import { oneInstanceServices } from '../../../test/support/service-views.js';
import { isInScope, sidecarGroup } from './sidecar-scope.js';
import { translate } from './translate.js';

const fqdn = (name: string, namespace = 'default') => `${name}.${namespace}.svc.cluster.local`;
const SERVICES: ServiceView[] = [
  ...oneInstanceServices('frontend', 'reviews', 'ratings', 'details'),
  { ...oneInstanceServices('ledger')[0], namespace: 'payments' } as ServiceView,
];

const sidecarDoc = (name: string, spec: string, namespace = 'default') =>
  `apiVersion: pilotfish.dev/v1\nkind: Sidecar\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n${spec}`;
const FRONTEND_SIDECAR = sidecarDoc(
  'frontend',
  '  workloadSelector: { service: frontend }\n  egress: [{ hosts: [./reviews, payments/*] }]\n',
);
const REVIEWS_ROUTE = `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews }
spec:
  host: reviews
  rules:
    - destinations: [{ service: reviews, weight: 90 }, { service: ratings, weight: 10 }]
`;

function config(...documents: string[]): ConfigSet {
  const result = validateConfig([{ name: 'test.yaml', text: documents.join('---\n') }], { isRegistered: () => true });
  if (!result.ok) throw new Error(result.errors.map((error) => `${error.path}: ${error.message}`).join('\n'));
  return result.config;
}

describe('Sidecar scoping', () => {
  it('puts a selected service in its Sidecar group, others in the namespace default or the namespace', () => {
    const mesh = config(FRONTEND_SIDECAR, sidecarDoc('default', '  egress: [{ hosts: ["./*"] }]\n', 'shop'));
    assert.equal(sidecarGroup(mesh, 'default', 'frontend'), 'sidecar:default/frontend');
    assert.equal(sidecarGroup(mesh, 'default', 'reviews'), 'default');
    assert.equal(sidecarGroup(mesh, 'shop', 'cart'), 'sidecar:shop/default');
  });

  const cases: Array<[string, string, boolean]> = [
    ['./*', 'reviews.default', true],
    ['./*', 'ledger.payments', false],
    ['*/*', 'ledger.payments', true],
    ['payments/ledger', 'ledger.payments', true],
    ['payments/ledger', 'ledger.default', false],
    ['*/reviews', 'reviews.shop', true],
    ['./reviews', 'ratings.default', false],
  ];
  for (const [host, service, expected] of cases) {
    it(`egress host ${host} ${expected ? 'admits' : 'refuses'} ${service}`, () => {
      const [document] = config(sidecarDoc('s', `  egress: [{ hosts: ["${host}"] }]\n`)).sidecars;
      const [name = '', namespace = ''] = service.split('.');
      assert.equal(isInScope(document!, { name, namespace, fqdn: fqdn(name, namespace) }), expected);
    });
  }

  it('gives a scoped group only the allowed clusters and virtual hosts, and its route targets', () => {
    const mesh = config(FRONTEND_SIDECAR, REVIEWS_ROUTE);
    const snapshot = translate(SERVICES, sidecarGroup(mesh, 'default', 'frontend'), mesh);
    // ratings only as the target of reviews' route: its cluster, no virtual host of its own.
    assert.deepEqual([...snapshot[TYPE_URL.cluster].keys()].sort(), [
      fqdn('ledger', 'payments'),
      fqdn('ratings'),
      fqdn('reviews'),
    ]);
    assert.deepEqual([...snapshot[TYPE_URL.endpoint].keys()].sort(), [...snapshot[TYPE_URL.cluster].keys()].sort());
    const hosts = snapshot[TYPE_URL.route].get('outbound')?.virtual_hosts?.map((host) => host.name);
    assert.deepEqual(hosts?.sort(), [fqdn('ledger', 'payments'), fqdn('reviews')]);
    // Short names resolve in the Sidecar's namespace, as for its namespace's group.
    const reviews = snapshot[TYPE_URL.route]
      .get('outbound')
      ?.virtual_hosts?.find((host) => host.name === fqdn('reviews'));
    assert.ok(reviews?.domains?.includes('reviews'));
    assert.ok(snapshot[TYPE_URL.listener].has(`inbound|${fqdn('frontend')}`), 'its own inbound listener stays');
    assert.ok(!snapshot[TYPE_URL.listener].has('details.default'), 'no api_listener of an out-of-scope service');
    assert.deepEqual(snapshotProblems(snapshot), []);
  });

  it('leaves the namespace group whole', () => {
    const mesh = config(FRONTEND_SIDECAR);
    assert.equal(translate(SERVICES, 'default', mesh)[TYPE_URL.cluster].size, 5);
  });

  it('refuses two Sidecars selecting the same service, naming the first', () => {
    const result = validateConfig(
      [
        {
          name: 'a.yaml',
          text: [FRONTEND_SIDECAR, FRONTEND_SIDECAR.replace('name: frontend,', 'name: other,')].join('---\n'),
        },
      ],
      {},
    );
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : (result.errors[0]?.message ?? ''),
      /the sidecars of frontend are already selected: Sidecar "frontend" at a.yaml:1/,
    );
  });

  it('refuses an egress host that is not namespace/service, saying what it must be', () => {
    const result = validateConfig(
      [{ name: 'a.yaml', text: sidecarDoc('s', '  egress: [{ hosts: [reviews] }]\n') }],
      {},
    );
    assert.equal(result.ok, false);
    const error = result.ok ? undefined : result.errors[0];
    assert.equal(error?.path, 'spec.egress[0].hosts[0]');
    assert.match(error?.message ?? '', /is not "namespace\/service"/);
  });
});
