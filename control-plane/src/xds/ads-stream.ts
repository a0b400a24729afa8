// One ADS stream, state of the world: tracks each type's subscription, the version and nonce last
// sent, ACKs and NACKs, and pushes a type again only when what this stream subscribes to changed.
// It knows the cache and a `send` function, not gRPC (ads-server.ts binds it to a call).
import type { DiscoveryRequest__Output } from '../../../proto/gen/envoy/service/discovery/v3/DiscoveryRequest.js';
import {
  RESOURCE_TYPE_URLS,
  TYPE_URL,
  isResourceTypeUrl,
  structToObject,
  type DiscoveryResponseOut,
  type EncodedResource,
  type ResourceTypeUrl,
} from '../../../proto/xds.js';
import { gatewayGroup } from '../translate/gateway.js';
import { sidecarListeners } from './sidecar-listeners.js';
import type { SnapshotCache } from './snapshot-cache.js';
import { TYPE_SHORT_NAMES, type ProxyStatus } from './proxy-status.js';
import type { WarmUp } from './warm-up.js';
import type { XdsMetrics } from './xds-metrics.js';
import { newSubscription, updateNames, type Subscription } from './subscription.js';

export interface AdsStreamOptions {
  streamId: number;
  cache: SnapshotCache;
  /** Makes sure the cache holds the group's snapshot (translating it on first use). */
  ensureGroup(group: string): void;
  /**
   * The node group of a sidecar or proxyless client of `service` in `namespace` (go-control-plane's
   * NodeHash): a Sidecar's scoped group, say. Without it, the namespace.
   */
  groupOf?(namespace: string, service: string): string;
  send(response: DiscoveryResponseOut): void;
  controlPlane: string;
  onNack?(status: ProxyStatus, typeUrl: ResourceTypeUrl): void;
  /** Counts pushes, ACK delays and NACKs. */
  metrics?: XdsMetrics;
  /** Holds types back after a start until the registry is warm (warm-up.ts). */
  warmUp?: WarmUp;
  /** Why the caller may not get the config of the node it claims to be, if it may not. */
  refuseNode?(claim: NodeClaim): string | undefined;
}

/** What a stream's first request says the proxy is: a sidecar's namespace and service, or a gateway. */
export interface NodeClaim {
  namespace: string;
  service: string;
  /** `namespace/name` of the Gateway a gateway serves. */
  gateway?: string;
}

const INCREMENTAL_TYPES: ReadonlySet<ResourceTypeUrl> = new Set([TYPE_URL.endpoint, TYPE_URL.route]);
const SERVED_TYPES = RESOURCE_TYPE_URLS.map((typeUrl) => TYPE_SHORT_NAMES[typeUrl]).join(', ');

/** A request that breaks the protocol: the stream ends with this message as INVALID_ARGUMENT. */
export class AdsProtocolError extends Error {
  override readonly name = 'AdsProtocolError';
}

/** The caller's identity does not allow the node it claims (another namespace or service). */
export class AdsPermissionError extends Error {
  override readonly name = 'AdsPermissionError';
}

export class AdsStream {
  status: ProxyStatus | undefined;
  #subscriptions = new Map<ResourceTypeUrl, Subscription>();
  #nonce = 0;
  #unwatch: (() => void) | undefined;
  #isGateway = false;
  /** A sidecar's namespace and service: its wildcard LDS gets only the listeners it serves. */
  #sidecar: NodeClaim | undefined;
  #unwatchWarmUp: (() => void) | undefined;

  constructor(private readonly options: AdsStreamOptions) {}

  /** Handles one DiscoveryRequest. Throws AdsProtocolError when the stream cannot go on. */
  onRequest(request: DiscoveryRequest__Output): void {
    const status = this.status ?? this.#identify(request);
    const typeUrl = request.type_url ?? '';
    if (!isResourceTypeUrl(typeUrl)) {
      // Not a crash and not a stream reset: the proxy hears nothing for this type, and the reason
      // is recorded where an operator looks (/debug/proxies, pilotfish status).
      status.unsupportedRequests.push({
        typeUrl,
        message: `type_url "${typeUrl}" is not served by this control plane (it serves ${SERVED_TYPES})`,
        at: new Date().toISOString(),
      });
      return;
    }
    let subscription = this.#subscriptions.get(typeUrl);
    const isFirst = subscription === undefined;
    if (!subscription) {
      subscription = newSubscription(typeUrl);
      this.#subscriptions.set(typeUrl, subscription);
      status.types[TYPE_SHORT_NAMES[typeUrl]] = subscription.status;
      this.options.warmUp?.noteHeldVersion(status.group, typeUrl, request.version_info ?? '');
    }
    const nonce = request.response_nonce ?? '';
    if (nonce !== '' && nonce !== subscription.status.sentNonce) return; // stale: answers an older response
    if (nonce !== '') {
      if (request.error_detail) this.#recordNack(subscription, request, nonce);
      else {
        if (subscription.status.ackedNonce !== nonce)
          this.options.metrics?.acked(typeUrl, (performance.now() - subscription.sentAt) / 1000);
        subscription.status.ackedVersion = request.version_info ?? '';
        subscription.status.ackedNonce = nonce;
      }
    }
    subscription.status.inSync = subscription.status.ackedNonce === subscription.status.sentNonce && nonce !== '';
    const subscriptionChanged = updateNames(subscription, request.resource_names ?? [], isFirst);
    // The first request of a type always gets an answer, even if its version is current (the
    // proxy may have restarted with an old cache); a NACK alone does not: resending the same
    // resources would only be NACKed again.
    if (nonce === '' || subscriptionChanged) this.#push(subscription, true);
  }

  close(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#unwatchWarmUp?.();
    this.#unwatchWarmUp = undefined;
  }

  #identify(request: DiscoveryRequest__Output): ProxyStatus {
    const node = request.node;
    if (!node?.id) throw new AdsProtocolError('the first DiscoveryRequest of a stream must carry node.id');
    const metadata = structToObject(node.metadata);
    const namespace =
      typeof metadata.NAMESPACE === 'string' && metadata.NAMESPACE !== '' ? metadata.NAMESPACE : 'default';
    const service = typeof metadata.SERVICE === 'string' ? metadata.SERVICE : '';
    // A gateway (ROLE gateway, GATEWAY namespace/name) gets its Gateway's group; others groupOf's.
    const gateway = metadata.ROLE === 'gateway' && typeof metadata.GATEWAY === 'string' ? metadata.GATEWAY : undefined;
    const refusal = this.options.refuseNode?.({ namespace, service, gateway });
    if (refusal !== undefined) throw new AdsPermissionError(refusal);
    this.#isGateway = gateway !== undefined;
    if (metadata.ROLE === 'sidecar') this.#sidecar = { namespace, service };
    const group = gateway === undefined ? this.#groupOf(namespace, service) : gatewayGroup(gateway);
    this.status = {
      streamId: this.options.streamId,
      nodeId: node.id,
      service,
      namespace,
      role: typeof metadata.ROLE === 'string' ? metadata.ROLE : 'proxyless',
      userAgent: [node.user_agent_name, node.user_agent_version].filter(Boolean).join('/'),
      group,
      controlPlane: this.options.controlPlane,
      connectedAt: new Date().toISOString(),
      types: {},
      unsupportedRequests: [],
    };
    this.#watch(group);
    this.#unwatchWarmUp = this.options.warmUp?.onWarm(() => {
      for (const subscription of this.#subscriptions.values()) if (subscription.isHeld) this.#push(subscription, true);
    });
    return this.status;
  }

  /**
   * Moves the stream to the group its node belongs to now (a Sidecar that selects it came, went or
   * changed) and sends it that group's resources.
   */
  regroup(): void {
    const status = this.status;
    if (status === undefined || this.#isGateway) return;
    const group = this.#groupOf(status.namespace, status.service);
    if (group === status.group) return;
    this.#unwatch?.();
    status.group = group;
    this.#watch(group);
    for (const subscription of this.#subscriptions.values()) this.#push(subscription, true);
  }

  #groupOf(namespace: string, service: string): string {
    return this.options.groupOf?.(namespace, service) ?? namespace;
  }

  #watch(group: string): void {
    this.options.ensureGroup(group);
    this.#unwatch = this.options.cache.watch(group, (changed) => {
      for (const typeUrl of changed) {
        const subscription = this.#subscriptions.get(typeUrl);
        if (subscription) this.#push(subscription, false);
      }
    });
  }

  #recordNack(subscription: Subscription, request: DiscoveryRequest__Output, nonce: string): void {
    subscription.status.nackCount++;
    subscription.status.lastNack = {
      version: subscription.status.sentVersion,
      nonce,
      message: request.error_detail?.message || `NACK with code ${request.error_detail?.code ?? 'unknown'}`,
      at: new Date().toISOString(),
    };
    this.options.metrics?.nacked(subscription.typeUrl);
    if (this.status) this.options.onNack?.(this.status, subscription.typeUrl);
  }

  #push(subscription: Subscription, force: boolean): void {
    const group = this.status?.group;
    if (group === undefined) return;
    const snapshot = this.options.cache.get(group, subscription.typeUrl);
    if (!snapshot) return;
    subscription.isHeld = this.options.warmUp?.isHeld(group, subscription.typeUrl, snapshot.version) ?? false;
    if (subscription.isHeld) return;
    if (subscription.wildcard) {
      if (!force && snapshot.version === subscription.status.sentVersion) return;
      const sidecar = this.#sidecar;
      const resources =
        sidecar !== undefined && subscription.typeUrl === TYPE_URL.listener
          ? sidecarListeners(snapshot, sidecar.namespace, sidecar.service)
          : snapshot.all;
      this.#send(subscription, snapshot.version, resources);
      return;
    }
    // One pass, no per-name allocation: this runs for every stream of the group on every change.
    const incremental = INCREMENTAL_TYPES.has(subscription.typeUrl);
    const { sentHashes } = subscription;
    const selected: EncodedResource[] = [];
    const changed: EncodedResource[] = [];
    for (const name of subscription.names) {
      const resource = snapshot.resources.get(name);
      if (resource === undefined) continue;
      selected.push(resource.encoded);
      if (sentHashes.get(name) === resource.hash) continue;
      changed.push(resource.encoded);
      sentHashes.set(name, resource.hash);
    }
    // LDS and CDS responses are the whole state (an omitted resource is deleted); RDS and EDS are
    // incremental (an omitted one is kept, and goes when no listener or cluster names it), so a
    // push of those carries only what changed.
    let isRemoved = false;
    if (sentHashes.size > selected.length)
      for (const name of sentHashes.keys())
        if (!subscription.names.has(name) || !snapshot.resources.has(name)) {
          sentHashes.delete(name);
          isRemoved = !incremental;
        }
    if (!force && changed.length === 0 && !isRemoved) return;
    this.#send(subscription, snapshot.version, force || !incremental ? selected : changed);
  }

  #send(subscription: Subscription, version: string, resources: DiscoveryResponseOut['resources']): void {
    const nonce = String(++this.#nonce);
    subscription.status.sentVersion = version;
    subscription.status.sentNonce = nonce;
    subscription.status.sentResources = resources.length;
    subscription.status.inSync = false;
    subscription.sentAt = performance.now();
    this.options.metrics?.pushed(subscription.typeUrl);
    this.options.send({
      version_info: version,
      resources,
      type_url: subscription.typeUrl,
      nonce,
    });
  }
}
