// The registry in memory (one control plane, the default store): instances held by leases. An instance
// whose lease is not kept alive disappears after its TTL; every change bumps the revision and is told.
import { randomUUID } from 'node:crypto';
import { instanceKey, type ServiceInstance } from './instance.js';
import {
  grantedTtl,
  checkReplaceable,
  type Lease,
  type RegistryEvent,
  type RegistryEventType,
  type RegistryOptions,
  type RegistryStore,
} from './registry-store.js';
import { groupServices, type ServiceView } from './service-view.js';

export type { RegistryEvent, RegistryOptions } from './registry-store.js';
export type { ServiceView } from './service-view.js';

interface LeaseTimer {
  id: string;
  ttlSeconds: number;
  instanceKey: string;
  timer: NodeJS.Timeout;
}

export class Registry implements RegistryStore {
  #instances = new Map<string, { instance: ServiceInstance; leaseId: string }>();
  #leases = new Map<string, LeaseTimer>();
  #listeners = new Set<(event: RegistryEvent) => void>();
  #revision = 0;

  constructor(readonly options: RegistryOptions) {}

  get revision(): number {
    return this.#revision;
  }

  get size(): number {
    return this.#instances.size;
  }

  register(instance: ServiceInstance, requestedTtlSeconds = 0, heldLeaseId = ''): Promise<Lease> {
    return new Promise((resolve) => resolve(this.#register(instance, requestedTtlSeconds, heldLeaseId)));
  }

  keepAlive(leaseId: string): Promise<number> {
    const lease = this.#leases.get(leaseId);
    if (!lease) return Promise.resolve(0);
    clearTimeout(lease.timer);
    lease.timer = this.#expireLater(leaseId, lease.ttlSeconds);
    return Promise.resolve(lease.ttlSeconds);
  }

  deregister(leaseId: string): Promise<boolean> {
    const lease = this.#leases.get(leaseId);
    if (lease) this.#remove(lease);
    return Promise.resolve(lease !== undefined);
  }

  instances(): ServiceInstance[] {
    return [...this.#instances.values()].map((entry) => entry.instance);
  }

  services(namespace?: string): ServiceView[] {
    return groupServices(this.instances(), namespace);
  }

  #register(instance: ServiceInstance, requestedTtlSeconds: number, heldLeaseId: string): Lease {
    const ttlSeconds = grantedTtl(this.options, requestedTtlSeconds);
    const key = instanceKey(instance);
    const previous = this.#instances.get(key);
    checkReplaceable(previous, instance, heldLeaseId);
    if (previous) this.#dropLease(previous.leaseId);
    const id = randomUUID();
    this.#leases.set(id, { id, ttlSeconds, instanceKey: key, timer: this.#expireLater(id, ttlSeconds) });
    this.#instances.set(key, { instance, leaseId: id });
    this.#emit(previous ? 'UPDATED' : 'ADDED', instance);
    return { leaseId: id, ttlSeconds };
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

  #remove(lease: LeaseTimer): void {
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
