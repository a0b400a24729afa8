// Snapshot consistency: translate's output references only what it holds, and a snapshot with a
// dangling reference (a route configuration, a cluster, a load assignment) is named precisely.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL } from '../../../proto/xds.js';
import { validateConfig, type ConfigSet } from '../config/config-set.js';
import { gatewayGroup } from '../translate/gateway.js';
import type { ResourceSnapshot } from '../translate/resources.js';
import { translate } from '../translate/translate.js';
import { snapshotProblems } from './snapshot-consistency.js';
import { oneInstanceServices } from '../../../test/support/service-views.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const RATINGS = 'ratings.default.svc.cluster.local';
const DB = 'db.default.svc.cluster.local';

const SERVICES = oneInstanceServices('reviews', 'ratings');

const doc = (kind: string, name: string, spec: string) =>
  `apiVersion: pilotfish.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec}`;
const DOCUMENTS = [
  doc('DestinationPolicy', 'reviews', '  host: reviews\n  subsets: [{ name: v1, labels: { version: v1 } }]\n'),
  doc(
    'Route',
    'reviews',
    '  host: reviews\n  rules:\n    - destinations: [{ service: reviews, subset: v1, weight: 90 }, { service: ratings, weight: 10 }]\n      mirror: { service: ratings, percent: 5 }\n',
  ),
  doc('Service', 'db', '  ports: [{ port: 5432, protocol: tcp }]\n'),
  doc('RateLimit', 'ratings', '  host: ratings\n  limits: [{ requests: 10, per: 1s }]\n'),
  doc('Gateway', 'ingress', '  servers:\n    - { port: 8080, protocol: HTTP, hosts: ["*"] }\n'),
  doc(
    'Route',
    'edge',
    '  host: reviews\n  gateways: [ingress]\n  rules:\n    - destinations: [{ service: reviews }]\n',
  ),
];

function config(): ConfigSet {
  const result = validateConfig([{ name: 'test.yaml', text: DOCUMENTS.join('---\n') }], {
    isRegistered: (fqdn) => fqdn === REVIEWS || fqdn === RATINGS,
  });
  if (!result.ok) throw new Error(result.errors.map((error) => `${error.path}: ${error.message}`).join('\n'));
  return result.config;
}

/** Translate's output for `group`, then `breakIt` applied to it. */
function snapshot(group: string, breakIt: (snapshot: ResourceSnapshot) => void = () => undefined) {
  const resources = translate(SERVICES, group, config());
  breakIt(resources);
  return resources;
}

describe('snapshotProblems', () => {
  it('finds nothing to object to in what translate produces, for sidecars and for gateways', () => {
    assert.deepEqual(snapshotProblems(snapshot('default')), []);
    assert.deepEqual(snapshotProblems(snapshot(gatewayGroup('default/ingress'))), []);
  });

  const broken: Array<[string, string, (snapshot: ResourceSnapshot) => void, string]> = [
    [
      'a listener names a route configuration over RDS that is missing',
      'default',
      (s) => s[TYPE_URL.route].delete('outbound'),
      'listener "outbound" names route configuration "outbound" (RDS), which is not in the snapshot',
    ],
    [
      'a route sends to a missing cluster',
      'default',
      (s) => s[TYPE_URL.cluster].delete('reviews.default.svc.cluster.local~v1'),
      'route configuration "outbound" virtual host "reviews.default.svc.cluster.local" route "default/reviews/rules[0]" sends to cluster "reviews.default.svc.cluster.local~v1", which is not in the snapshot',
    ],
    [
      'a mirror sends to a missing cluster',
      'default',
      (s) => s[TYPE_URL.cluster].delete(RATINGS),
      'route "default/reviews/rules[0]" (mirror) sends to cluster "ratings.default.svc.cluster.local"',
    ],
    [
      "a proxyless client's inline route configuration sends to a missing cluster",
      'default',
      (s) => s[TYPE_URL.cluster].delete(REVIEWS),
      'listener "reviews.default" inline route configuration virtual host "reviews.default.svc.cluster.local" route "default" sends to cluster "reviews.default.svc.cluster.local"',
    ],
    [
      'a TCP proxy sends to a missing cluster',
      'default',
      (s) => s[TYPE_URL.cluster].delete(DB),
      'listener "outbound|5432||db.default.svc.cluster.local" (tcp_proxy) sends to cluster "db.default.svc.cluster.local", which is not in the snapshot',
    ],
    [
      'an EDS cluster has no load assignment',
      'default',
      (s) => s[TYPE_URL.endpoint].delete(RATINGS),
      'EDS cluster "ratings.default.svc.cluster.local" has no ClusterLoadAssignment "ratings.default.svc.cluster.local" in the snapshot',
    ],
    [
      "a gateway server's route table is missing",
      gatewayGroup('default/ingress'),
      (s) => s[TYPE_URL.route].clear(),
      'listener "gateway|default/ingress|8080" names route configuration "gateway|default/ingress|8080" (RDS)',
    ],
  ];
  for (const [name, group, breakIt, expected] of broken) {
    it(`names what is missing when ${name}`, () => {
      const problems = snapshotProblems(snapshot(group, breakIt));
      assert.ok(
        problems.some((problem) => problem.includes(expected)),
        `expected a problem containing:\n  ${expected}\ngot:\n  ${problems.join('\n  ')}`,
      );
    });
  }
});
