// The sidecar's xDS client: one ADS stream (state of the world) to one control-plane replica (see
// ads-connection.ts for the choice of replica). Each response is checked by `apply` as a whole; a
// resource the sidecar cannot use NACKs the response with the reason, and the last good config
// stays in force, also while no replica answers. Besides Envoy's four types it asks for its
// service's pilotfish.v1.ServiceConfig (app parameters), applied on its own.
import type { Logger } from 'pino';
import {
  TYPE_URL,
  objectToStruct,
  type DiscoveryRequestOut,
  type DiscoveryResponseIn,
  type ResourceTypeUrl,
} from '../../../proto/xds.js';
import type { ServiceConfig__Output } from '../../../proto/gen/pilotfish/v1/ServiceConfig.js';
import { AdsConnection, type AdsConnectionOptions } from './ads-connection.js';
import type { CachedConfig, CachedType } from './config-cache-file.js';
import { HeldConfig, TYPE_ORDER, collect, resourcesAfter, type ConfigSource } from './held-config.js';
import { XdsConfigError, type XdsResourceSet } from './resource-set.js';

export interface AdsClientOptions extends Pick<
  AdsConnectionOptions,
  'controlPlanes' | 'maxStreamAgeMs' | 'credentials'
> {
  nodeId: string;
  /** Node metadata: NAMESPACE picks the node group; SERVICE, ROLE and INSTANCE_ID are for status. */
  metadata: Record<string, string>;
  /** The listeners to ask for by name; undefined: every listener of its group (a wildcard LDS subscription: a sidecar's TCP listeners, a gateway's servers). */
  listenerNames: string[] | undefined;
  /**
   * Of a wildcard LDS response, the listeners this proxy serves; the others are checked and ACKed
   * with the rest, but not held (a sidecar's group brings every service's inbound listener and the
   * api_listeners of proxyless gRPC clients: most of the listeners, and none of them its own).
   * Undefined: every listener is held.
   */
  holdsListener?(name: string): boolean;
  /** The ServiceConfig resources to ask for by name (this sidecar's own service). */
  serviceConfigNames: string[];
  /** Checks and applies a candidate resource set; throws XdsConfigError to reject it. */
  apply(resources: XdsResourceSet): void;
  /**
   * Checks and applies the ServiceConfig resources held after a response (none when the service
   * has no ServiceConfig); throws XdsConfigError to reject them. The proxy config is not touched.
   */
  applyServiceConfigs(resources: ReadonlyMap<string, ServiceConfig__Output>): void;
  /**
   * The config cache's content at start, if any. Until a type is in force, new streams say its
   * cached version (as a reconnecting sidecar says what it holds, so a control plane warming up
   * after its own restart holds back a version it cannot reproduce yet); `restore` applies it.
   */
  cached?: CachedConfig;
  /** Called after each ACK once every type is held: the config in force, for the config cache. */
  persist?(types: CachedType[]): void;
  logger: Logger;
}

const INCREMENTAL_TYPES: ReadonlySet<ResourceTypeUrl> = new Set([TYPE_URL.endpoint, TYPE_URL.route]);
const INVALID_ARGUMENT = 3;
const INTERNAL = 13;

export class AdsClient {
  readonly #connection: AdsConnection;
  readonly #held: HeldConfig;
  #cacheUsable = true;

  constructor(private readonly options: AdsClientOptions) {
    this.#connection = new AdsConnection({
      ...options,
      onOpen: () => this.#onOpen(),
      onResponse: (response) => this.#onResponse(response),
    });
    this.#held = new HeldConfig({
      [TYPE_URL.cluster]: undefined,
      [TYPE_URL.endpoint]: [],
      [TYPE_URL.listener]: options.listenerNames,
      [TYPE_URL.route]: [],
      [TYPE_URL.serviceConfig]: options.serviceConfigNames,
    });
  }

  get isConnected(): boolean {
    return this.#connection.isConnected;
  }

  /** Every subscribed type has had a response accepted (a type with no names to ask for counts). */
  get hasInitialConfig(): boolean {
    return this.#held.isComplete;
  }

  /** Where the config in force came from. */
  get configSource(): ConfigSource {
    return this.#held.source;
  }

  start(): void {
    this.#connection.start();
  }

  /**
   * Puts the cached config in force for every type no control plane has sent yet: checked and
   * applied as a response is (ServiceConfig, then the proxy config), then EDS and RDS follow the
   * clusters and listeners in force. Returns false, doing nothing, when there is no cached config
   * or every type came live; throws when the cached config is not usable (the config in force stays).
   */
  restore(): boolean {
    const { cached } = this.options;
    const missing = TYPE_ORDER.filter((typeUrl) => !this.#held.state(typeUrl).received);
    if (cached === undefined || !this.#cacheUsable || missing.length === 0) return false;
    const resources = new Map(
      missing.map((typeUrl) => {
        const received = this.#toHold(typeUrl, collect(typeUrl, cachedType(cached, typeUrl)?.resources ?? []));
        return [typeUrl, resourcesAfter(this.#held.state(typeUrl).resources, received, false)];
      }),
    );
    try {
      const serviceConfigs = resources.get(TYPE_URL.serviceConfig);
      if (serviceConfigs) this.options.applyServiceConfigs(serviceConfigs);
      this.options.apply(this.#held.candidate(resources));
    } catch (error) {
      // Its versions are no longer said on new streams: this sidecar does not hold them.
      this.#cacheUsable = false;
      throw error;
    }
    for (const [typeUrl, held] of resources)
      this.#held.restore(typeUrl, held, cachedType(cached, typeUrl)?.version ?? '', cached.savedAt);
    this.#followDependencies(TYPE_URL.cluster);
    this.#followDependencies(TYPE_URL.listener);
    for (const held of resources.values()) held.release();
    return true;
  }

  stop(): void {
    this.#connection.stop();
  }

  /** Per subscribed type URL, the responses rejected so far (metrics). */
  nackCounts(): Array<[typeUrl: string, nacks: number]> {
    return this.#held.nackCounts();
  }

  /** Per subscribed type URL, the version in force ("" before the first accepted response). */
  versions(): Array<[typeUrl: string, version: string]> {
    return this.#held.versions();
  }

  /** What the sidecar holds, per type: accepted version, resources, last NACK; and the replica in use. */
  configDump(): object {
    return {
      controlPlane: this.#connection.address,
      controlPlanes: this.options.controlPlanes.entries,
      connected: this.#connection.isConnected,
      nodeId: this.options.nodeId,
      configSource: this.#held.source,
      configs: this.#held.dump(),
    };
  }

  /** A new stream starts from what this sidecar holds: its versions, no nonces. */
  #onOpen(): void {
    let isFirst = true;
    for (const typeUrl of TYPE_ORDER) {
      if (this.#held.isEmpty(typeUrl)) continue;
      this.#send(typeUrl, { version: this.#versionToSay(typeUrl), nonce: '', withNode: isFirst });
      isFirst = false;
    }
  }

  #versionToSay(typeUrl: ResourceTypeUrl): string {
    const state = this.#held.state(typeUrl);
    if (state.received || state.cached || !this.#cacheUsable || this.options.cached === undefined) return state.version;
    return cachedType(this.options.cached, typeUrl)?.version ?? '';
  }

  #onResponse(response: DiscoveryResponseIn): void {
    const typeUrl = response.type_url ?? '';
    const nonce = response.nonce ?? '';
    const version = response.version_info ?? '';
    const state = this.#held.find(typeUrl);
    if (!state) {
      this.#nack(
        typeUrl,
        '',
        nonce,
        `type_url "${typeUrl}" is not a type this sidecar subscribes to`,
        INVALID_ARGUMENT,
      );
      return;
    }
    try {
      const received = this.#toHold(
        typeUrl as ResourceTypeUrl,
        collect(typeUrl as ResourceTypeUrl, response.resources),
      );
      // LDS and CDS responses are the whole state; RDS and EDS ones add to what is held (a
      // resource goes when no listener or cluster names it any more: see #followDependencies).
      const resources = resourcesAfter(state.resources, received, INCREMENTAL_TYPES.has(typeUrl as ResourceTypeUrl));
      if (typeUrl === TYPE_URL.serviceConfig) this.options.applyServiceConfigs(resources);
      else this.options.apply(this.#held.candidate(new Map([[typeUrl as ResourceTypeUrl, resources]])));
      this.#held.accept(typeUrl as ResourceTypeUrl, resources, version, nonce);
      this.#send(typeUrl as ResourceTypeUrl, { version, nonce });
      this.#followDependencies(typeUrl as ResourceTypeUrl);
      if (this.#held.isComplete) this.options.persist?.(this.#held.toCache());
      // Compiled, followed and cached: from now on the compact types are held as bytes only.
      resources.release();
    } catch (error) {
      const isConfigError = error instanceof XdsConfigError;
      if (!isConfigError) this.options.logger.error({ err: error, typeUrl }, 'applying xDS response failed');
      const message = isConfigError ? error.message : `internal error applying ${typeUrl}: ${String(error)}`;
      state.nonce = nonce;
      state.lastNack = { version, nonce, message, at: new Date().toISOString() };
      state.nacks++;
      this.options.logger.warn({ typeUrl, version, message }, 'rejected xDS response (NACK); last good config stays');
      this.#nack(typeUrl, state.version, nonce, message, isConfigError ? INVALID_ARGUMENT : INTERNAL);
    }
  }

  /** After CDS or LDS is accepted, subscribes EDS or RDS to the names they now reference. */
  #followDependencies(typeUrl: ResourceTypeUrl): void {
    const dependent = this.#held.followDependencies(typeUrl);
    if (dependent === undefined) return;
    const state = this.#held.state(dependent);
    this.#send(dependent, { version: state.version, nonce: state.nonce, withNode: false });
  }

  #send(
    typeUrl: ResourceTypeUrl,
    { version, nonce, withNode = false }: { version: string; nonce: string; withNode?: boolean },
  ): void {
    const request: DiscoveryRequestOut = {
      version_info: version,
      resource_names: this.#held.state(typeUrl).names ?? [],
      type_url: typeUrl,
      response_nonce: nonce,
    };
    if (withNode) request.node = this.#node();
    this.#connection.write(request);
  }

  /** What of `received` this proxy holds: for LDS, the listeners it serves (holdsListener). */
  #toHold(typeUrl: ResourceTypeUrl, received: Map<string, object>): Map<string, object> {
    const { holdsListener } = this.options;
    if (typeUrl !== TYPE_URL.listener || holdsListener === undefined) return received;
    for (const name of received.keys()) if (!holdsListener(name)) received.delete(name);
    return received;
  }

  #nack(typeUrl: string, version: string, nonce: string, message: string, code: number): void {
    const state = this.#held.find(typeUrl);
    this.#connection.write({
      version_info: version,
      resource_names: state?.names ?? [],
      type_url: typeUrl,
      response_nonce: nonce,
      error_detail: { code, message },
    });
  }

  #node(): NonNullable<DiscoveryRequestOut['node']> {
    return {
      id: this.options.nodeId,
      metadata: objectToStruct(this.options.metadata),
      locality: {},
      user_agent_name: 'pilotfish-sidecar',
    };
  }
}

function cachedType(cached: CachedConfig, typeUrl: ResourceTypeUrl): CachedType | undefined {
  return cached.types.find((type) => type.typeUrl === typeUrl);
}
