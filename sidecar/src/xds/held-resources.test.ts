import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL, type ResourceTypeUrl } from '../../../proto/xds.js';
import { received, sentResources, type ServiceFixture } from '../../test-support/compile-fixtures.js';
import { compileProxyConfig } from './compile.js';
import { HeldConfig, resourcesAfter } from './held-config.js';
import type { HeldResources } from './held-resources.js';
import type { XdsResourceSet } from './resource-set.js';

const backend: ServiceFixture = {
  name: 'backend',
  namespace: 'default',
  endpoints: [{ port: 8080, hostname: 'backend-1' }, { port: 8081 }],
};

/** `held` after accepting `resources` as the ADS client does (each type, or only `only`). */
function accept(held: HeldConfig, resources: XdsResourceSet, only?: ResourceTypeUrl): HeldConfig {
  const types = [
    [TYPE_URL.cluster, resources.clusters],
    [TYPE_URL.endpoint, resources.endpoints],
    [TYPE_URL.listener, resources.listeners],
    [TYPE_URL.route, resources.routes],
  ] as const;
  for (const [typeUrl, received] of types) {
    if (only !== undefined && typeUrl !== only) continue;
    const after: HeldResources = resourcesAfter(held.state(typeUrl).resources, received, false);
    held.accept(typeUrl, after, 'v', 'n');
    after.release();
  }
  return held;
}

function subscriptions() {
  return {
    [TYPE_URL.cluster]: undefined,
    [TYPE_URL.endpoint]: [],
    [TYPE_URL.listener]: undefined,
    [TYPE_URL.route]: [],
    [TYPE_URL.serviceConfig]: [],
  };
}

describe('HeldResources', () => {
  it('dumps endpoints, listeners and routes held compactly field for field as they were received', () => {
    const resources = received(sentResources('default', [backend]));
    const dump = accept(new HeldConfig(subscriptions()), resources).dump() as Array<{
      type_url: string;
      resources: object[];
    }>;
    const dumped = (typeUrl: string) => JSON.stringify(dump.find((type) => type.type_url === typeUrl)?.resources);
    assert.equal(dumped(TYPE_URL.endpoint), JSON.stringify([...resources.endpoints.values()]));
    assert.equal(dumped(TYPE_URL.listener), JSON.stringify([...resources.listeners.values()]));
    assert.equal(dumped(TYPE_URL.route), JSON.stringify([...resources.routes.values()]));
    assert.match(dumped(TYPE_URL.endpoint), /"hostname":"backend-1"/);
  });

  it('keeps a cluster (its counters, its balancer) when its endpoints are sent again unchanged', () => {
    const held = accept(new HeldConfig(subscriptions()), received(sentResources('default', [backend])));
    const config = compileProxyConfig(held.candidate(new Map()));
    accept(held, received(sentResources('default', [backend])), TYPE_URL.endpoint);
    const next = compileProxyConfig(held.candidate(new Map()), config);
    const name = 'backend.default.svc.cluster.local';
    assert.equal(next.clusters.get(name), config.clusters.get(name));

    const moved = sentResources('default', [{ ...backend, endpoints: [{ port: 9090 }] }]);
    accept(held, received(moved), TYPE_URL.endpoint);
    const changed = compileProxyConfig(held.candidate(new Map()), next);
    assert.notEqual(changed.clusters.get(name), next.clusters.get(name));
    assert.deepEqual(
      changed.clusters.get(name)?.endpoints.map((endpoint) => endpoint.host.key),
      ['127.0.0.1:9090'],
    );
  });
});
