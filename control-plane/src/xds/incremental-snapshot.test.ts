import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HCM_FILTER_NAME, TCP_PROXY_FILTER_NAME, TYPE_URL, type ResourceTypeUrl } from '../../../proto/xds.js';
import { EMPTY_CONFIG_SET, validateConfig, type ConfigSet } from '../config/config-set.js';
import type { ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/service-view.js';
import type { GroupMemo } from '../translate/group-memo.js';
import { inboundListenerName } from '../translate/inbound.js';
import { authorizationConfig } from '../../../test/support/authorization-policies.js';
import { translateGroup } from '../translate/translate.js';
import { SnapshotCache } from './snapshot-cache.js';

const fqdn = (service: string) => `${service}.default.svc.cluster.local`;

function instance(service: string, port: number, protocol: ServiceInstance['protocol'] = 'http'): ServiceInstance {
  return {
    service,
    namespace: 'default',
    instanceId: `${service}-${port}`,
    address: '127.0.0.1',
    port,
    labels: {},
    protocol,
  };
}

/** Three services of two instances each; the instance objects stay the same, as the registry keeps them. */
const BASE = ['a', 'b', 'c'].map((service, index) => [
  instance(service, 1000 + index),
  instance(service, 2000 + index),
]);
const view = (instances: ServiceInstance[]): ServiceView => ({
  name: (instances[0] as ServiceInstance).service,
  namespace: 'default',
  instances,
});

/** A cache that holds the translation of `services`, and the memo of it, as the server keeps them. */
function built(services: ServiceView[], config: ConfigSet = EMPTY_CONFIG_SET) {
  const cache = new SnapshotCache();
  let memo: GroupMemo | undefined;
  const build = (next: ServiceView[], nextConfig = config) => {
    const translation = translateGroup(next, 'default', nextConfig, {}, memo);
    memo = translation.memo;
    return { translation, changed: cache.setSnapshot('default', translation.resources, translation.kept) };
  };
  build(services);
  const entry = (typeUrl: ResourceTypeUrl, name: string) => cache.get('default', typeUrl)?.resources.get(name);
  return { cache, build, entry };
}

describe('incremental snapshot rebuild', () => {
  it("rebuilds and re-encodes only the changed service's load assignment; every other resource keeps its bytes", () => {
    const { cache, build, entry } = built(BASE.map(view));
    const before = {
      listeners: cache.get('default', TYPE_URL.listener),
      route: cache.get('default', TYPE_URL.route),
      b: entry(TYPE_URL.endpoint, fqdn('b')),
      c: entry(TYPE_URL.endpoint, fqdn('c')),
      a: entry(TYPE_URL.endpoint, fqdn('a')),
      clusterA: entry(TYPE_URL.cluster, fqdn('a')),
    };
    const [a, b, c] = BASE as [ServiceInstance[], ServiceInstance[], ServiceInstance[]];

    const { translation, changed } = build([view([...a, instance('a', 3000)]), view(b), view(c)]);

    assert.deepEqual(changed, [TYPE_URL.endpoint]);
    assert.deepEqual([...translation.resources[TYPE_URL.endpoint].keys()], [fqdn('a')]);
    assert.equal(translation.resources[TYPE_URL.listener].size, 0, 'no listener is rebuilt');
    assert.equal(translation.resources[TYPE_URL.route].size, 0, 'the outbound route is kept');
    assert.equal(entry(TYPE_URL.endpoint, fqdn('b')), before.b);
    assert.equal(entry(TYPE_URL.endpoint, fqdn('c')), before.c);
    assert.notEqual(entry(TYPE_URL.endpoint, fqdn('a'))?.encoded.any, before.a?.encoded.any);
    assert.equal(entry(TYPE_URL.cluster, fqdn('a')), before.clusterA, 'its cluster is unchanged, so not re-encoded');
    assert.equal(cache.get('default', TYPE_URL.listener), before.listeners);
    assert.equal(cache.get('default', TYPE_URL.route), before.route);
  });

  it('gives the same versions as a translation from scratch', () => {
    const [a, b, c] = BASE as [ServiceInstance[], ServiceInstance[], ServiceInstance[]];
    const changes = [[view([...a, instance('a', 3000)]), view(b), view(c)], [view(a), view(c)], BASE.map(view)];
    const incremental = built(BASE.map(view));
    for (const services of changes) {
      incremental.build(services);
      const scratch = built(services);
      for (const typeUrl of Object.values(TYPE_URL).filter((url) => url.startsWith('type.googleapis.com/envoy.config')))
        assert.equal(
          incremental.cache.get('default', typeUrl as ResourceTypeUrl)?.version,
          scratch.cache.get('default', typeUrl as ResourceTypeUrl)?.version,
          typeUrl,
        );
    }
  });

  it("drops a service that went, and rebuilds a service's listeners when its protocol changed", () => {
    const { cache, build } = built(BASE.map(view));
    const [a, b] = BASE as [ServiceInstance[], ServiceInstance[]];
    build([view(a), view(b)]);
    assert.equal(cache.get('default', TYPE_URL.endpoint)?.resources.has(fqdn('c')), false);
    assert.equal(cache.get('default', TYPE_URL.listener)?.resources.has(fqdn('c')), false);

    const { translation } = build([view(a), view([instance('b', 4000, 'tcp')])]);
    assert.ok(translation.resources[TYPE_URL.cluster].has(fqdn('b')));
    const listeners = cache.get('default', TYPE_URL.listener)?.resources;
    const inbound = translation.resources[TYPE_URL.listener].get(inboundListenerName(fqdn('b')));
    const filters = inbound?.filter_chains?.flatMap((chain) => chain.filters?.map((filter) => filter.name) ?? []);
    assert.ok(filters?.includes(TCP_PROXY_FILTER_NAME), 'a TCP service gets a TCP proxy inbound listener');
    assert.equal(filters?.includes(HCM_FILTER_NAME), false, 'and no HTTP one');
    assert.equal(listeners?.has(fqdn('b')), false, 'nor api listeners');
    assert.equal(listeners?.has(fqdn('a')), true);
  });

  it('rebuilds the inbound listener when an instance that an AuthorizationPolicy selects (by label) comes', () => {
    const config = authorizationConfig('  selector: { matchLabels: { version: v2 } }\n  action: DENY\n  rules: [{}]\n');
    const backend = (...instances: ServiceInstance[]): ServiceView => ({
      name: 'backend',
      namespace: 'shop',
      instances,
    });
    const v1 = { ...instance('backend', 1000), namespace: 'shop', labels: { version: 'v1' } };
    const v2 = { ...instance('backend', 1001), namespace: 'shop', labels: { version: 'v2' } };
    const { cache, build } = built([backend(v1)], config);

    const { translation } = build([backend(v1, v2)]);

    const inbound = inboundListenerName('backend.shop.svc.cluster.local');
    assert.ok(translation.resources[TYPE_URL.listener].has(inbound), 'the listener gets the DENY filter');
    const scratch = built([backend(v1, v2)], config).cache;
    assert.equal(cache.get('default', TYPE_URL.listener)?.version, scratch.get('default', TYPE_URL.listener)?.version);
  });

  it('translates the whole group again after a config change', () => {
    const { build } = built(BASE.map(view));
    const result = validateConfig(
      [
        {
          name: 'route.yaml',
          text: 'apiVersion: pilotfish.dev/v1\nkind: Route\nmetadata: { name: b }\nspec:\n  host: b\n  rules:\n    - destinations: [{ service: b }]\n      timeout: 2s\n',
        },
      ],
      { isRegistered: () => true },
    );
    assert.ok(result.ok);
    const { translation, changed } = build(BASE.map(view), result.config);
    assert.equal(translation.resources[TYPE_URL.cluster].size, 3);
    assert.deepEqual(Object.keys(translation.kept), []);
    assert.ok(changed.includes(TYPE_URL.route) && changed.includes(TYPE_URL.listener));
  });
});

describe('SnapshotCache fan-out', () => {
  it('tells thousands of streams in batches, so other work runs between them, and skips a stream gone meanwhile', async () => {
    const cache = new SnapshotCache();
    cache.setSnapshot('default', translateGroup(BASE.map(view), 'default').resources);
    let told = 0;
    const unwatches = Array.from({ length: 2000 }, () => cache.watch('default', () => told++));
    const [a, b] = BASE as [ServiceInstance[], ServiceInstance[]];
    cache.setSnapshot('default', translateGroup([view(a), view(b)], 'default').resources);
    const toldAtOnce = told;
    assert.ok(toldAtOnce > 0 && toldAtOnce < 2000, `${toldAtOnce} streams told before the loop turned`);
    unwatches.at(-1)?.();
    while (told < 1999) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(told, 1999, 'the stream that left is not told');
  });
});
