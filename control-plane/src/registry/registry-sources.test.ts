import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceInstance } from './instance.js';
import { Registry, type ServiceView } from './registry.js';
import type { RegistrySource } from './registry-source.js';
import { RegistrySources } from './registry-sources.js';

function instance(instanceId: string, address: string, service = 'backend'): ServiceInstance {
  return { service, namespace: 'default', instanceId, address, port: 8080, labels: {}, protocol: 'http' };
}

/** A source whose services a test sets, telling its listeners. */
class FixedSource implements RegistrySource {
  revision = 0;
  #services: ServiceView[] = [];
  #listeners = new Set<() => void>();
  set(services: ServiceView[]): void {
    this.#services = services;
    this.revision++;
    for (const listener of this.#listeners) listener();
  }
  services(): ServiceView[] {
    return this.#services;
  }
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

describe('RegistrySources', () => {
  it('gives a service the instances of every source and the virtual IP of the one that has it', async () => {
    const registry = new Registry({ defaultTtlSeconds: 10, maxTtlSeconds: 60 });
    const cluster = new FixedSource();
    const sources = new RegistrySources([registry, cluster]);
    await registry.register(instance('vm-1', '192.168.1.5'));
    await registry.register(instance('pod-a', '127.0.0.1'));
    cluster.set([
      {
        name: 'backend',
        namespace: 'default',
        virtualIp: '10.96.0.7',
        instances: [instance('pod-a', '10.244.0.3'), instance('pod-b', '10.244.0.4')],
      },
      { name: 'db', namespace: 'default', instances: [] },
    ]);
    assert.deepEqual(
      sources.services().map((view) => [view.name, view.virtualIp, view.instances.map((i) => i.address)]),
      [
        // pod-a registered itself through the Registry API: its own registration wins.
        ['backend', '10.96.0.7', ['127.0.0.1', '10.244.0.4', '192.168.1.5']],
        ['db', undefined, []],
      ],
    );
    registry.close();
  });

  it('tells its listeners of a change in any source, and its revision moves with each', () => {
    const first = new FixedSource();
    const second = new FixedSource();
    const sources = new RegistrySources([first, second]);
    const seen: number[] = [];
    const stop = sources.onChange(() => seen.push(sources.revision));
    first.set([]);
    second.set([]);
    stop();
    first.set([]);
    assert.deepEqual(seen, [1, 2]);
  });
});
