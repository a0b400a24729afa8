import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { InstanceTakenError, type ServiceInstance } from './instance.js';
import { Registry, type RegistryEvent } from './registry.js';

function instance(instanceId: string, service = 'backend'): ServiceInstance {
  return { service, namespace: 'default', instanceId, address: '127.0.0.1', port: 8080, labels: {}, protocol: 'http' };
}

describe('Registry', () => {
  it('drops an instance whose lease is not kept alive after its TTL, and keeps one that is', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const registry = new Registry({ defaultTtlSeconds: 10, maxTtlSeconds: 60 });
      const events: RegistryEvent[] = [];
      registry.onChange((event) => events.push(event));
      const kept = await registry.register(instance('a'), 3);
      await registry.register(instance('b'), 3);
      mock.timers.tick(2000);
      assert.equal(await registry.keepAlive(kept.leaseId), 3);
      mock.timers.tick(2000);
      assert.deepEqual(
        registry.instances().map((i) => i.instanceId),
        ['a'],
      );
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.instance.instanceId}`),
        ['ADDED a', 'ADDED b', 'REMOVED b'],
      );
      mock.timers.tick(3001);
      assert.equal(registry.size, 0);
      assert.equal(await registry.keepAlive(kept.leaseId), 0, 'an expired lease is unknown');
      registry.close();
    } finally {
      mock.timers.reset();
    }
  });

  it('replaces an instance registered again under the same id, revoking the old lease', async () => {
    const registry = new Registry({ defaultTtlSeconds: 10, maxTtlSeconds: 60 });
    const first = await registry.register(instance('a'));
    const second = await registry.register({ ...instance('a'), port: 9090 });
    assert.equal(await registry.keepAlive(first.leaseId), 0);
    assert.equal(await registry.deregister(first.leaseId), false);
    assert.equal(registry.instances()[0]?.port, 9090);
    assert.equal(await registry.deregister(second.leaseId), true);
    assert.equal(registry.size, 0);
    registry.close();
  });

  const moves: Array<[string, Partial<ServiceInstance>, boolean, string]> = [
    ['another service', { service: 'frontend' }, false, 'refused without its lease'],
    ['another address', { address: '10.0.0.9' }, false, 'refused without its lease'],
    ['another service', { service: 'frontend' }, true, 'moved with its lease'],
    ['another address', { address: '10.0.0.9' }, true, 'moved with its lease'],
    ['the same service and address', { port: 9090, labels: { version: 'v2' } }, false, 'replaced (a restart)'],
  ];
  for (const [what, change, withLease, outcome] of moves) {
    it(`an instance id registered again under ${what} is ${outcome}`, async () => {
      const registry = new Registry({ defaultTtlSeconds: 10, maxTtlSeconds: 60 });
      const held = await registry.register(instance('a'));
      const again = () => registry.register({ ...instance('a'), ...change }, 0, withLease ? held.leaseId : '');
      if (outcome.startsWith('refused')) {
        await assert.rejects(again, (error: unknown) => {
          assert.ok(error instanceof InstanceTakenError);
          assert.match(error.message, /"a" is registered to service "backend" at 127\.0\.0\.1.*lease_id/);
          return true;
        });
        assert.deepEqual(registry.instances(), [instance('a')], 'the holder keeps it');
        assert.equal(await registry.keepAlive(held.leaseId), 10);
      } else {
        await again();
        assert.deepEqual(registry.instances(), [{ ...instance('a'), ...change }]);
        assert.equal(await registry.keepAlive(held.leaseId), 0, 'the old lease is revoked');
      }
      registry.close();
    });
  }

  it('grants at most the maximum TTL and the default when none is asked', async () => {
    const registry = new Registry({ defaultTtlSeconds: 10, maxTtlSeconds: 60 });
    assert.equal((await registry.register(instance('a'), 3600)).ttlSeconds, 60);
    assert.equal((await registry.register(instance('b'))).ttlSeconds, 10);
    registry.close();
  });

  it('lists services sorted with their instances', async () => {
    const registry = new Registry({ defaultTtlSeconds: 10, maxTtlSeconds: 60 });
    await registry.register(instance('b-2'));
    await registry.register(instance('f-1', 'frontend'));
    await registry.register(instance('b-1'));
    assert.deepEqual(
      registry.services().map((s) => [s.name, s.instances.map((i) => i.instanceId)]),
      [
        ['backend', ['b-1', 'b-2']],
        ['frontend', ['f-1']],
      ],
    );
    assert.equal(registry.revision, 3);
    registry.close();
  });
});
