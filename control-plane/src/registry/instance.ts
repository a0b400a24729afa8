// A registered service instance, and the validation that every registration passes at the API edge.
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Instance } from '../../../proto/gen/pilotfish/v1/Instance.js';

export const PROTOCOLS = ['http', 'http2', 'grpc', 'tcp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface ServiceInstance {
  service: string;
  namespace: string;
  instanceId: string;
  address: string;
  port: number;
  labels: Readonly<Record<string, string>>;
  protocol: Protocol;
  /** The workload's Kubernetes service account, when a Kubernetes source knows it. */
  serviceAccount?: string;
  /** Who registered it (a workload's SPIFFE ID, an operator's name) when callers are authenticated: only they may register its id again. */
  owner?: string;
}

/** A registration the registry refuses; `field` is the request field path at fault. */
export class InvalidRegistrationError extends Error {
  override readonly name = 'InvalidRegistrationError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** A registration of an instance id that another service or address holds, by a caller without its lease. */
export class InstanceTakenError extends Error {
  override readonly name = 'InstanceTakenError';
  constructor(holder: ServiceInstance) {
    super(
      `instance.instance_id: ${quote(holder.instanceId)} is registered to service "${holder.service}" at ${holder.address} in namespace "${holder.namespace}"; ` +
        'send its lease_id to move it, or deregister it first',
    );
  }
}

/** A registration of an instance id that another authenticated caller holds. */
export class InstanceOwnedError extends Error {
  override readonly name = 'InstanceOwnedError';
  constructor(holder: ServiceInstance, caller: string) {
    super(
      `instance.instance_id: ${quote(holder.instanceId)} in namespace "${holder.namespace}" is held by ${holder.owner ?? 'another caller'}; ${caller} may not take it over (choose another instance_id)`,
    );
  }
}

// Kubernetes DNS-1123 labels, so names can become Service names and host names unchanged.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

// An error quotes at most this much of what was sent: a 1 MB name must not come back in a 1 MB
// trailer (clients cap the header size they accept and would never see the answer).
const MAX_QUOTED_CHARS = 100;

/** `value` in double quotes, cut to its first 100 characters with its full length said when longer. */
export function quote(value: string): string {
  if (value.length <= MAX_QUOTED_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, MAX_QUOTED_CHARS))}… (${value.length} characters)`;
}

/** Instance ids are unique within a namespace (like pod names), whatever service they belong to. */
export function instanceKey(instance: Pick<ServiceInstance, 'namespace' | 'instanceId'>): string {
  return `${instance.namespace}/${instance.instanceId}`;
}

/** Checks a wire Instance and returns it with defaults filled in (namespace, instance id, protocol). */
export function parseInstance(wire: Instance | null | undefined, field = 'instance'): ServiceInstance {
  if (!wire) throw new InvalidRegistrationError(field, 'is required');
  const service = wire.service ?? '';
  if (service === '') throw new InvalidRegistrationError(`${field}.service`, 'is required');
  if (!DNS_LABEL.test(service)) {
    throw new InvalidRegistrationError(
      `${field}.service`,
      `${quote(service)} is not a DNS label (lowercase letters, digits and '-', at most 63, starting and ending alphanumeric)`,
    );
  }
  const namespace = wire.namespace || 'default';
  if (!DNS_LABEL.test(namespace)) {
    throw new InvalidRegistrationError(`${field}.namespace`, `${quote(namespace)} is not a DNS label`);
  }
  const instanceId = wire.instance_id || `${service}-${randomBytes(4).toString('hex')}`;
  if (!INSTANCE_ID.test(instanceId)) {
    throw new InvalidRegistrationError(
      `${field}.instance_id`,
      `${quote(instanceId)} must be letters, digits, '.', '_' or '-' (at most 253)`,
    );
  }
  const address = wire.address ?? '';
  if (isIP(address) === 0) {
    throw new InvalidRegistrationError(`${field}.address`, `${quote(address)} is not an IPv4 or IPv6 address`);
  }
  const port = Number(wire.port ?? 0);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidRegistrationError(`${field}.port`, `must be in 1–65535, got ${wire.port ?? 0}`);
  }
  const protocol = wire.protocol || 'http';
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new InvalidRegistrationError(`${field}.protocol`, `${quote(protocol)} is not one of ${PROTOCOLS.join(', ')}`);
  }
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(wire.labels ?? {})) {
    if (!LABEL_KEY.test(key))
      throw new InvalidRegistrationError(`${field}.labels`, `key ${quote(key)} is not a valid label key`);
    if (!LABEL_VALUE.test(value)) {
      throw new InvalidRegistrationError(
        `${field}.labels[${quote(key)}]`,
        `value ${quote(value)} is not a valid label value`,
      );
    }
    labels[key] = value;
  }
  return { service, namespace, instanceId, address, port, labels, protocol: protocol as Protocol };
}

export function toWireInstance(instance: ServiceInstance): Instance {
  return {
    service: instance.service,
    namespace: instance.namespace,
    instance_id: instance.instanceId,
    address: instance.address,
    port: instance.port,
    labels: { ...instance.labels },
    protocol: instance.protocol,
  };
}
