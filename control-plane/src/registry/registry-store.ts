// Where registrations live: instances held by leases. The memory registry (one control plane) and the
// etcd registry (replicas sharing etcd) implement it; the Registry API and translate see only this.
import { InstanceOwnedError, InstanceTakenError, type ServiceInstance } from './instance.js';
import type { RegistrySource } from './registry-source.js';

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

export interface Lease {
  leaseId: string;
  ttlSeconds: number;
}

export interface RegistryStore extends RegistrySource {
  /** Instances registered now. */
  readonly size: number;
  /**
   * Adds or replaces an instance under a new lease; a replaced instance's old lease is revoked.
   * Moving an instance id to another service or address takes the lease it is held by (`heldLeaseId`):
   * without it anyone could take over another instance's traffic by registering its id.
   * Resolves once the registration is stored.
   */
  register(instance: ServiceInstance, requestedTtlSeconds?: number, heldLeaseId?: string): Promise<Lease>;
  /** Renews a lease; resolves with its TTL, or 0 when the lease is unknown or expired (register again). */
  keepAlive(leaseId: string): Promise<number>;
  deregister(leaseId: string): Promise<boolean>;
  instances(): ServiceInstance[];
  /** Calls `listener` for every change from now on; returns the function that stops it. */
  onChange(listener: (event: RegistryEvent) => void): () => void;
  close(): void;
}

/** The TTL granted for a request: the default when none is asked, at most the maximum. */
export function grantedTtl(options: RegistryOptions, requestedTtlSeconds: number): number {
  return Math.min(requestedTtlSeconds || options.defaultTtlSeconds, options.maxTtlSeconds);
}

/**
 * Refuses a registration that would replace `previous` (the instance registered under the same id)
 * when another caller owns it, or when it moves to another service or address without its lease.
 */
export function checkReplaceable(
  previous: { instance: ServiceInstance; leaseId: string } | undefined,
  instance: ServiceInstance,
  heldLeaseId: string,
): void {
  if (!previous) return;
  if (previous.instance.owner !== instance.owner)
    throw new InstanceOwnedError(previous.instance, instance.owner ?? 'an unauthenticated caller');
  if (heldLeaseId !== previous.leaseId && !isSameEndpoint(previous.instance, instance))
    throw new InstanceTakenError(previous.instance);
}

/** Whether a registration may replace `previous` without its lease: same service at the same address. */
function isSameEndpoint(a: ServiceInstance, b: ServiceInstance): boolean {
  return a.service === b.service && a.address === b.address;
}
