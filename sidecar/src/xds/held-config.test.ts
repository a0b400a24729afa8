import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL, type ResourceTypeUrl } from '../../../proto/xds.js';
import { received, sentResources } from '../../test-support/compile-fixtures.js';
import { HeldConfig } from './held-config.js';
import { HeldResources } from './held-resources.js';

const resources = received(
  sentResources('default', [{ name: 'backend', namespace: 'default', endpoints: [{ port: 8080 }] }]),
);

function sidecarHeld(): HeldConfig {
  return new HeldConfig({
    [TYPE_URL.cluster]: undefined,
    [TYPE_URL.endpoint]: [],
    [TYPE_URL.listener]: undefined,
    [TYPE_URL.route]: [],
    [TYPE_URL.serviceConfig]: ['frontend.default.svc.cluster.local'],
  });
}

function restoreAll(held: HeldConfig): void {
  held.restore(TYPE_URL.cluster, new HeldResources(TYPE_URL.cluster, resources.clusters), 'c1', 'then');
  held.restore(TYPE_URL.endpoint, new HeldResources(TYPE_URL.endpoint, resources.endpoints), 'e1', 'then');
  held.restore(TYPE_URL.listener, new HeldResources(TYPE_URL.listener, resources.listeners), 'l1', 'then');
  held.restore(TYPE_URL.route, new HeldResources(TYPE_URL.route, resources.routes), 'r1', 'then');
  held.restore(TYPE_URL.serviceConfig, new HeldResources(TYPE_URL.serviceConfig), '', 'then');
  held.followDependencies(TYPE_URL.cluster);
  held.followDependencies(TYPE_URL.listener);
}

describe('HeldConfig', () => {
  it('says the config comes from the cache until every type has come live from a control plane', () => {
    const held = sidecarHeld();
    assert.equal(held.source, 'none');
    restoreAll(held);
    assert.equal(held.isComplete, true);
    assert.equal(held.source, 'cache');
    const live: Array<[ResourceTypeUrl, ReadonlyMap<string, unknown>]> = [
      [TYPE_URL.cluster, resources.clusters],
      [TYPE_URL.endpoint, resources.endpoints],
      [TYPE_URL.listener, resources.listeners],
      [TYPE_URL.route, resources.routes],
    ];
    for (const [typeUrl, map] of live) {
      held.accept(typeUrl, new HeldResources(typeUrl, map as Map<string, object>), 'live', 'n');
      assert.equal(held.source, 'cache', `${typeUrl} live, the ServiceConfig still cached`);
    }
    held.accept(TYPE_URL.serviceConfig, new HeldResources(TYPE_URL.serviceConfig), 'live', 'n');
    assert.equal(held.source, 'control_plane');
  });

  it('drops cached endpoints of clusters the live clusters no longer name', () => {
    const held = sidecarHeld();
    restoreAll(held);
    assert.deepEqual([...held.state(TYPE_URL.endpoint).resources.keys()], ['backend.default.svc.cluster.local']);
    held.accept(TYPE_URL.cluster, new HeldResources(TYPE_URL.cluster), 'live', 'n');
    assert.equal(held.followDependencies(TYPE_URL.cluster), TYPE_URL.endpoint);
    assert.deepEqual([...held.state(TYPE_URL.endpoint).resources.keys()], []);
    assert.equal(held.source, 'cache', 'the cached listeners, routes and ServiceConfig are still in force');
  });
});
