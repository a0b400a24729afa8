// Several registry sources seen as one: a service known to more than one source gets the instances
// of all of them, and its virtual IP from whichever source has one.
import { instanceKey, type ServiceInstance } from './instance.js';
import type { ServiceView } from './service-view.js';
import type { RegistrySource } from './registry-source.js';

export class RegistrySources implements RegistrySource {
  readonly #sources: readonly RegistrySource[];

  /** Earlier sources win when two hold the same instance (same namespace, service and instance id). */
  constructor(sources: readonly RegistrySource[]) {
    this.#sources = sources;
  }

  get revision(): number {
    return this.#sources.reduce((sum, source) => sum + source.revision, 0);
  }

  services(namespace?: string): ServiceView[] {
    if (this.#sources.length === 1) return this.#sources[0]?.services(namespace) ?? [];
    const byKey = new Map<string, { view: ServiceView; instances: Map<string, ServiceInstance> }>();
    for (const source of this.#sources) {
      for (const service of source.services(namespace)) {
        const key = `${service.namespace}/${service.name}`;
        let entry = byKey.get(key);
        if (!entry) byKey.set(key, (entry = { view: { ...service, instances: [] }, instances: new Map() }));
        entry.view.virtualIp ??= service.virtualIp;
        for (const instance of service.instances) {
          const id = instanceKey(instance);
          if (!entry.instances.has(id)) entry.instances.set(id, instance);
        }
      }
    }
    const views = [...byKey.values()].map(({ view, instances }) => ({
      ...view,
      instances: [...instances.values()].sort((a, b) => a.instanceId.localeCompare(b.instanceId)),
    }));
    return views.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }

  onChange(listener: () => void): () => void {
    const stops = this.#sources.map((source) => source.onChange(listener));
    return () => stops.forEach((stop) => stop());
  }
}
