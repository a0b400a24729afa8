// What the control plane knows of each connected proxy: who it is, and per resource type what was
// sent, what it ACKed and its last NACK. Served by /debug/proxies and `pilotfish status`.
import { TYPE_URL, type ResourceTypeUrl } from '../../../proto/type-urls.js';

export type TypeShortName = 'CDS' | 'EDS' | 'LDS' | 'RDS' | 'SCDS';

export const TYPE_SHORT_NAMES: Record<ResourceTypeUrl, TypeShortName> = {
  [TYPE_URL.cluster]: 'CDS',
  [TYPE_URL.endpoint]: 'EDS',
  [TYPE_URL.listener]: 'LDS',
  [TYPE_URL.route]: 'RDS',
  // Service config discovery: our own type (pilotfish.v1.ServiceConfig), asked for by our sidecars only.
  [TYPE_URL.serviceConfig]: 'SCDS',
};

export interface Nack {
  version: string;
  nonce: string;
  message: string;
  at: string;
}

export interface TypeStatus {
  subscribed: '*' | string[];
  sentVersion: string;
  sentNonce: string;
  /** How many resources the last response held (a push of EDS or RDS holds only what changed). */
  sentResources: number;
  ackedVersion: string;
  ackedNonce: string;
  /** The last response was ACKed: the proxy holds what this control plane last sent. */
  inSync: boolean;
  nackCount: number;
  lastNack?: Nack;
}

export interface ProxyStatus {
  streamId: number;
  nodeId: string;
  service: string;
  namespace: string;
  role: string;
  userAgent: string;
  group: string;
  controlPlane: string;
  connectedAt: string;
  types: Partial<Record<TypeShortName, TypeStatus>>;
  /** Requests for type URLs this control plane does not serve, with the error recorded for each. */
  unsupportedRequests: Array<{ typeUrl: string; message: string; at: string }>;
}

export type TypeState = 'SYNCED' | 'STALE' | 'NACKED';

/**
 * Where a proxy stands on one type, with the version that state is about: for NACKED the version it
 * refused (the one its NACK names), not the one it kept; otherwise the version it ACKed.
 */
export function typeState(status: TypeStatus): { state: TypeState; version: string } {
  if (status.lastNack && status.lastNack.nonce === status.sentNonce) {
    return { state: 'NACKED', version: status.lastNack.version };
  }
  return { state: status.inSync ? 'SYNCED' : 'STALE', version: status.ackedVersion };
}

/** The connected proxies of this control plane, by stream. */
export class ProxyStatusTable {
  #byStream = new Map<number, ProxyStatus>();

  add(status: ProxyStatus): void {
    this.#byStream.set(status.streamId, status);
  }

  remove(streamId: number): void {
    this.#byStream.delete(streamId);
  }

  get size(): number {
    return this.#byStream.size;
  }

  list(): ProxyStatus[] {
    return [...this.#byStream.values()].sort((a, b) => a.nodeId.localeCompare(b.nodeId) || a.streamId - b.streamId);
  }
}
