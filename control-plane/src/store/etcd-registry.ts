// The registry in etcd, shared by control-plane replicas: each instance is a key under its own lease,
// which the sidecar keeps alive through whichever replica holds its keep-alive stream; etcd deletes
// the key when the lease expires. Every replica's view follows the store's watch.
import type { Etcd3, IKeyValue } from 'etcd3';
import { instanceKey, type ServiceInstance } from '../registry/instance.js';
import {
  grantedTtl,
  checkReplaceable,
  type Lease,
  type RegistryEvent,
  type RegistryOptions,
  type RegistryStore,
} from '../registry/registry-store.js';
import { groupServices, type ServiceView } from '../registry/service-view.js';
import { callEtcd } from './etcd-client.js';
import { EtcdLeaseKeeper } from './etcd-lease-keeper.js';

interface Entry {
  instance: ServiceInstance;
  leaseId: string;
  modRevision: number;
}

export class EtcdRegistry implements RegistryStore {
  #entries = new Map<string, Entry>();
  #listeners = new Set<(event: RegistryEvent) => void>();
  #revision = 0;
  #keeper: EtcdLeaseKeeper;

  constructor(
    private readonly client: Etcd3,
    /** The key prefix of instances, e.g. `/pilotfish/registry/`. */
    readonly prefix: string,
    private readonly options: RegistryOptions & { storeName: string },
  ) {
    this.#keeper = new EtcdLeaseKeeper(client, options.storeName);
  }

  get revision(): number {
    return this.#revision;
  }

  get size(): number {
    return this.#entries.size;
  }

  async register(instance: ServiceInstance, requestedTtlSeconds = 0, heldLeaseId = ''): Promise<Lease> {
    const ttlSeconds = grantedTtl(this.options, requestedTtlSeconds);
    const previous = this.#entries.get(instanceKey(instance));
    checkReplaceable(previous, instance, heldLeaseId);
    const { leaseClient, kv } = this.client;
    const lease = await this.#call(() => leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 }));
    const key = Buffer.from(this.prefix + instanceKey(instance));
    const put = await this.#call(() => kv.put({ key, value: Buffer.from(JSON.stringify(instance)), lease: lease.ID }));
    // The key now lives under the new lease; the old one holds nothing and is revoked (best effort: it
    // expires by itself otherwise).
    if (previous) await leaseClient.leaseRevoke({ ID: previous.leaseId }).catch(() => undefined);
    this.#set(instance, lease.ID, Number(put.header.revision));
    return { leaseId: lease.ID, ttlSeconds };
  }

  async keepAlive(leaseId: string): Promise<number> {
    // A lease from another store (a memory control plane before this one) is unknown: register again.
    if (!/^[1-9][0-9]{0,18}$/.test(leaseId)) return 0;
    return this.#keeper.renew(leaseId);
  }

  async deregister(leaseId: string): Promise<boolean> {
    const held = [...this.#entries.values()].find((entry) => entry.leaseId === leaseId);
    if (!held) return false;
    await this.#call(() => this.client.leaseClient.leaseRevoke({ ID: leaseId })).catch((error: unknown) => {
      if (!String(error).includes('lease not found')) throw error;
    });
    return true;
  }

  instances(): ServiceInstance[] {
    return [...this.#entries.values()].map((entry) => entry.instance);
  }

  services(namespace?: string): ServiceView[] {
    return groupServices(this.instances(), namespace);
  }

  onChange(listener: (event: RegistryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A put of an instance key, from the store's first read or its watch. */
  applyPut(kv: IKeyValue): void {
    const instance = JSON.parse(kv.value.toString('utf8')) as ServiceInstance;
    this.#set(instance, kv.lease, Number(kv.mod_revision));
  }

  /** A delete of an instance key (deregistered, or its lease expired), from the store's watch. */
  applyDelete(kv: IKeyValue): void {
    const key = kv.key.toString('utf8').slice(this.prefix.length);
    const entry = this.#entries.get(key);
    const revision = Number(kv.mod_revision);
    if (!entry || entry.modRevision > revision) return;
    this.#entries.delete(key);
    this.#emit('REMOVED', entry.instance, revision);
  }

  /** After a reload of the store at `revision`: instances whose keys were not read are gone (their leases ended). */
  dropAbsent(present: ReadonlySet<string>, revision: number): void {
    for (const [key, entry] of this.#entries) {
      if (present.has(this.prefix + key) || entry.modRevision > revision) continue;
      this.#entries.delete(key);
      this.#emit('REMOVED', entry.instance, revision);
    }
  }

  close(): void {
    this.#keeper.close();
    this.#listeners.clear();
  }

  #set(instance: ServiceInstance, leaseId: string, modRevision: number): void {
    const key = instanceKey(instance);
    const previous = this.#entries.get(key);
    // This replica's own write is applied when etcd acknowledges it; the watch brings it again.
    if (previous && previous.modRevision >= modRevision) return;
    this.#entries.set(key, { instance, leaseId, modRevision });
    this.#emit(previous ? 'UPDATED' : 'ADDED', instance, modRevision);
  }

  #emit(type: RegistryEvent['type'], instance: ServiceInstance, revision: number): void {
    this.#revision = Math.max(this.#revision, revision);
    const event = { type, instance, revision: this.#revision };
    for (const listener of this.#listeners) listener(event);
  }

  #call<T>(run: () => Promise<T>): Promise<T> {
    return callEtcd('registration', this.options.storeName, run);
  }
}
