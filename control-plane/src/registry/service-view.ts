// A service as translate and the APIs see it: its instances grouped from a flat set, in a stable order.
import type { ServiceInstance } from './instance.js';

export interface ServiceView {
  name: string;
  namespace: string;
  instances: ServiceInstance[];
  /** The address clients dial for the service as a whole (a Kubernetes Service's ClusterIP), when it has one. */
  virtualIp?: string;
}

/** Services with their instances, sorted by namespace then name (instances by id); one namespace when given. */
export function groupServices(instances: Iterable<ServiceInstance>, namespace?: string): ServiceView[] {
  const byKey = new Map<string, ServiceView>();
  for (const instance of instances) {
    if (namespace && instance.namespace !== namespace) continue;
    const key = `${instance.namespace}/${instance.service}`;
    let view = byKey.get(key);
    if (!view) byKey.set(key, (view = { name: instance.service, namespace: instance.namespace, instances: [] }));
    view.instances.push(instance);
  }
  for (const view of byKey.values()) view.instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  return [...byKey.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
