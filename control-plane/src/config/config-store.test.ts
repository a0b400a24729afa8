import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigStore } from './config-store.js';

const ROUTE = `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews }
spec:
  host: reviews
  rules:
    - destinations: [{ service: reviews }]
      timeout: 2s
`;
const options = { isRegistered: (fqdn: string) => fqdn === 'reviews.default.svc.cluster.local' };

describe('config store', () => {
  it('puts a valid set in force, bumps the version and tells its listeners', () => {
    const store = new ConfigStore();
    let told = 0;
    store.onChange(() => told++);
    assert.equal(store.apply([{ name: 'r.yaml', text: ROUTE }], options).ok, true);
    assert.equal(store.version, 1);
    assert.equal(store.config.routes[0]?.spec.rules[0]?.timeout, 2000);
    assert.equal(told, 1);
  });

  it('keeps the last good config when a change is rejected, and records why', () => {
    const store = new ConfigStore();
    store.apply([{ name: 'r.yaml', text: ROUTE }], options);
    const result = store.apply([{ name: 'r.yaml', text: ROUTE }, { name: 'bad.yaml', text: ROUTE.replace('name: reviews', 'name: other').replace('2s', 'soon') }], options);
    assert.equal(result.ok, false);
    assert.equal(store.version, 1);
    assert.equal(store.config.routes.length, 1);
    assert.match(store.rejection?.messages[0] ?? '', /^bad\.yaml:8: Route "other": spec\.rules\[0\]\.timeout: "soon" is not a duration/);
    assert.deepEqual((store.view() as { lastRejection: unknown }).lastRejection, store.rejection);
  });

  it('does not count an unchanged set as a new version', () => {
    const store = new ConfigStore();
    store.apply([{ name: 'r.yaml', text: ROUTE }], options);
    store.apply([{ name: 'r.yaml', text: `# a comment\n${ROUTE}` }], options);
    assert.equal(store.version, 1);
    store.apply([], options);
    assert.equal(store.version, 2);
    assert.equal(store.config.routes.length, 0);
  });
});
