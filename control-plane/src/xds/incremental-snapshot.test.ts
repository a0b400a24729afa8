import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HCM_FILTER_NAME, TCP_PROXY_FILTER_NAME, TYPE_URL, type ResourceTypeUrl } from '../../../proto/xds.js';
import { EMPTY_CONFIG_SET, validateConfig, type ConfigSet } from '../config/config-set.js';
import type { ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/service-view.js';
import type { GroupMemo } from '../translate/group-memo.js';
import { inboundListenerName } from '../../../shared/sidecar-listener-names.js';
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
function built(services: ServiceView[], config: ConfigSet = EMPTY_CONFIG_SET, hasMutualTls = false) {
  const cache = new SnapshotCache();
  let memo: GroupMemo | undefined;
  const build = (next: ServiceView[], nextConfig = config) => {
    const translation = translateGroup(next, 'default', nextConfig, { hasMutualTls }, memo);
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

  it("after a Route for one service, rebuilds that service's listeners and the outbound route only; the rest keeps its bytes", () => {
    const { cache, build, entry } = built(BASE.map(view));
    const before = {
      aListener: entry(TYPE_URL.listener, fqdn('a')),
      bListener: entry(TYPE_URL.listener, fqdn('b')),
      clusters: cache.get('default', TYPE_URL.cluster),
      endpoints: cache.get('default', TYPE_URL.endpoint),
      route: cache.get('default', TYPE_URL.route),
    };
    const config = configOf(
      'apiVersion: pilotfish.dev/v1\nkind: Route\nmetadata: { name: b }\nspec:\n  host: b\n  rules:\n    - destinations: [{ service: b }]\n      timeout: 2s\n',
    );
    const { translation, changed } = build(BASE.map(view), config);
    assert.deepEqual(changed.sort(), [TYPE_URL.listener, TYPE_URL.route].sort());
    assert.equal(translation.resources[TYPE_URL.cluster].size, 0, 'no cluster translated again');
    assert.equal(translation.resources[TYPE_URL.endpoint].size, 0, 'no load assignment translated again');
    assert.equal(cache.get('default', TYPE_URL.cluster), before.clusters, 'CDS keeps its version and bytes');
    assert.equal(cache.get('default', TYPE_URL.endpoint), before.endpoints);
    assert.equal(entry(TYPE_URL.listener, fqdn('a')), before.aListener, "a's api listener keeps its encoding");
    assert.notEqual(entry(TYPE_URL.listener, fqdn('b')), before.bListener, "b's api listener has the route's timeout");
    assert.notEqual(cache.get('default', TYPE_URL.route)?.version, before.route?.version);
    const scratch = built(BASE.map(view), config).cache;
    for (const typeUrl of [TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster, TYPE_URL.endpoint])
      assert.equal(cache.get('default', typeUrl)?.version, scratch.get('default', typeUrl)?.version, typeUrl);
  });

  it("after a DestinationPolicy for one service, rebuilds that service's clusters only", () => {
    const { cache, build, entry } = built(BASE.map(view));
    const before = { a: entry(TYPE_URL.cluster, fqdn('a')), listeners: cache.get('default', TYPE_URL.listener) };
    const config = configOf(
      'apiVersion: pilotfish.dev/v1\nkind: DestinationPolicy\nmetadata: { name: c }\nspec:\n  host: c\n  loadBalancer: { policy: least_request }\n',
    );
    const { translation, changed } = build(BASE.map(view), config);
    assert.deepEqual([...translation.resources[TYPE_URL.cluster].keys()], [fqdn('c')]);
    assert.ok(changed.includes(TYPE_URL.cluster));
    assert.equal(entry(TYPE_URL.cluster, fqdn('a')), before.a);
    assert.equal(cache.get('default', TYPE_URL.listener), before.listeners, 'LDS is not pushed');
    const scratch = built(BASE.map(view), config).cache;
    assert.equal(cache.get('default', TYPE_URL.cluster)?.version, scratch.get('default', TYPE_URL.cluster)?.version);
  });

  it('gives the versions of a translation from scratch through a series of config changes', () => {
    const route =
      'apiVersion: pilotfish.dev/v1\nkind: Route\nmetadata: { name: b }\nspec:\n  host: b\n  rules:\n    - destinations: [{ service: c }]\n';
    const ringHash = (header: string) =>
      `apiVersion: pilotfish.dev/v1\nkind: DestinationPolicy\nmetadata: { name: c }\nspec:\n  host: c\n  loadBalancer: { policy: ring_hash, hashOn: { header: ${header} } }\n`;
    const rateLimit =
      'apiVersion: pilotfish.dev/v1\nkind: RateLimit\nmetadata: { name: a }\nspec:\n  host: a\n  limits: [{ requests: 5, per: 1s }]\n';
    const steps = [
      route,
      // c's hash policy reaches b's route to c: b's listeners change with it.
      `${route}---\n${ringHash('x-user')}`,
      `${route}---\n${ringHash('x-session')}`,
      `${route}---\n${ringHash('x-session')}---\n${rateLimit}`,
      rateLimit,
    ];
    const { cache, build } = built(BASE.map(view));
    for (const [index, text] of steps.entries()) {
      const config = configOf(text);
      build(BASE.map(view), config);
      const scratch = built(BASE.map(view), config).cache;
      for (const typeUrl of [TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster, TYPE_URL.endpoint])
        assert.equal(
          cache.get('default', typeUrl)?.version,
          scratch.get('default', typeUrl)?.version,
          `step ${index}: ${typeUrl}`,
        );
    }
  });

  it("rebuilds a service's listeners when a port of it gets its own PeerAuthentication mode", () => {
    const backendPort = (port: number, mode: string) =>
      `apiVersion: pilotfish.dev/v1\nkind: PeerAuthentication\nmetadata: { name: b }\nspec:\n  selector: { service: b }\n  portLevelMtls:\n    ${port}: { mode: ${mode} }\n`;
    const { cache, build, entry } = built(BASE.map(view), EMPTY_CONFIG_SET, true);
    for (const [index, text] of [backendPort(1001, 'PERMISSIVE'), backendPort(2001, 'PERMISSIVE')].entries()) {
      const before = entry(TYPE_URL.listener, inboundListenerName(fqdn('b')));
      const config = configOf(text);
      build(BASE.map(view), config);
      assert.notEqual(
        entry(TYPE_URL.listener, inboundListenerName(fqdn('b'))),
        before,
        `step ${index}: port 1001's mode`,
      );
      const scratch = built(BASE.map(view), config, true).cache;
      assert.equal(
        cache.get('default', TYPE_URL.listener)?.version,
        scratch.get('default', TYPE_URL.listener)?.version,
      );
    }
  });

  it('translates the whole group again after a MeshConfig change', () => {
    const { build } = built(BASE.map(view));
    const config = configOf(
      'apiVersion: pilotfish.dev/v1\nkind: MeshConfig\nmetadata: { name: mesh }\nspec:\n  accessLog: { enabled: true }\n',
    );
    const { translation } = build(BASE.map(view), config);
    assert.equal(translation.resources[TYPE_URL.cluster].size, 3);
    assert.deepEqual(Object.keys(translation.kept), []);
  });
});

function configOf(text: string): ConfigSet {
  const result = validateConfig([{ name: 'config.yaml', text }], { isRegistered: () => true });
  assert.ok(result.ok, JSON.stringify(result));
  return result.config;
}

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
