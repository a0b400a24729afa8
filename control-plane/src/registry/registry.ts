// The global service registry: instances held by leases. An instance whose lease is not kept alive
// disappears after its TTL; every change bumps the revision and is told to the listeners.
import { randomUUID } from 'node:crypto';
import { InstanceTakenError, instanceKey, type ServiceInstance } from './instance.js';

export type RegistryEventType = 'ADDED' | 'UPDATED' | 'REMOVED';

export interface RegistryEvent {
  type: RegistryEventType;
  instance: ServiceInstance;
  revision: number;
}

export interface RegistryOptions {
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
}

interface Lease {
  id: string;
  ttlSeconds: number;
  instanceKey: string;
  timer: NodeJS.Timeout;
}

export interface ServiceView {
  name: string;
  namespace: string;
  instances: ServiceInstance[];
}

export class Registry {
  #instances = new Map<string, { instance: ServiceInstance; leaseId: string }>();
  #leases = new Map<string, Lease>();
  #listeners = new Set<(event: RegistryEvent) => void>();
  #revision = 0;

  constructor(readonly options: RegistryOptions) {}

  get revision(): number {
    return this.#revision;
  }

  get size(): number {
    return this.#instances.size;
  }

  /**
   * Adds or replaces an instance under a new lease; a replaced instance's old lease is revoked.
   * Moving an instance id to another service or address takes the lease it is held by (`heldLeaseId`):
   * without it anyone could take over another instance's traffic by registering its id.
   */
  register(
    instance: ServiceInstance,
    requestedTtlSeconds = 0,
    heldLeaseId = '',
  ): { leaseId: string; ttlSeconds: number } {
    const ttlSeconds = Math.min(requestedTtlSeconds || this.options.defaultTtlSeconds, this.options.maxTtlSeconds);
    const key = instanceKey(instance);
    const previous = this.#instances.get(key);
    if (previous && heldLeaseId !== previous.leaseId && !isSameEndpoint(previous.instance, instance)) {
      throw new InstanceTakenError(previous.instance);
    }
    if (previous) this.#dropLease(previous.leaseId);
    const id = randomUUID();
    this.#leases.set(id, { id, ttlSeconds, instanceKey: key, timer: this.#expireLater(id, ttlSeconds) });
    this.#instances.set(key, { instance, leaseId: id });
    this.#emit(previous ? 'UPDATED' : 'ADDED', instance);
    return { leaseId: id, ttlSeconds };
  }

  /** Renews a lease; answers its TTL, or 0 when the lease is unknown or expired (register again). */
  keepAlive(leaseId: string): number {
    const lease = this.#leases.get(leaseId);
    if (!lease) return 0;
    clearTimeout(lease.timer);
    lease.timer = this.#expireLater(leaseId, lease.ttlSeconds);
    return lease.ttlSeconds;
  }

  deregister(leaseId: string): boolean {
    const lease = this.#leases.get(leaseId);
    if (!lease) return false;
    this.#remove(lease);
    return true;
  }

  instances(): ServiceInstance[] {
    return [...this.#instances.values()].map((entry) => entry.instance);
  }

  /** Services with their instances, sorted by namespace then name; one namespace when given. */
  services(namespace?: string): ServiceView[] {
    const byKey = new Map<string, ServiceView>();
    for (const { instance } of this.#instances.values()) {
      if (namespace && instance.namespace !== namespace) continue;
      const key = `${instance.namespace}/${instance.service}`;
      let view = byKey.get(key);
      if (!view) byKey.set(key, (view = { name: instance.service, namespace: instance.namespace, instances: [] }));
      view.instances.push(instance);
    }
    for (const view of byKey.values()) view.instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    return [...byKey.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }

  /** Calls `listener` for every change from now on; returns the function that stops it. */
  onChange(listener: (event: RegistryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    for (const lease of this.#leases.values()) clearTimeout(lease.timer);
    this.#leases.clear();
    this.#listeners.clear();
  }

  #expireLater(leaseId: string, ttlSeconds: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#expire(leaseId), ttlSeconds * 1000);
    timer.unref?.();
    return timer;
  }

  #expire(leaseId: string): void {
    const lease = this.#leases.get(leaseId);
    if (lease) this.#remove(lease);
  }

  #remove(lease: Lease): void {
    this.#dropLease(lease.id);
    const entry = this.#instances.get(lease.instanceKey);
    if (!entry || entry.leaseId !== lease.id) return;
    this.#instances.delete(lease.instanceKey);
    this.#emit('REMOVED', entry.instance);
  }

  #dropLease(leaseId: string): void {
    const lease = this.#leases.get(leaseId);
    if (!lease) return;
    clearTimeout(lease.timer);
    this.#leases.delete(leaseId);
  }

  #emit(type: RegistryEventType, instance: ServiceInstance): void {
    const event = { type, instance, revision: ++this.#revision };
    for (const listener of this.#listeners) listener(event);
  }
}

function isSameEndpoint(a: ServiceInstance, b: ServiceInstance): boolean {
  return a.service === b.service && a.address === b.address;
}
