// The embedded default store: everything in this process's memory, gone when it stops.
import { Registry } from '../registry/registry.js';
import type { RegistryOptions } from '../registry/registry-store.js';
import { MemoryConfigLog } from './config-log.js';
import type { Store } from './store.js';

export function createMemoryStore(options: RegistryOptions): Store {
  const registry = new Registry(options);
  return {
    name: 'memory',
    registry,
    configLog: new MemoryConfigLog(),
    isEmptyAtStart: true,
    close() {
      registry.close();
      return Promise.resolve();
    },
  };
}
