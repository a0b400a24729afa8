// The sidecar's xDS client: one ADS stream (state of the world) to the control plane. Each
// response is checked by `apply` as a whole; a resource the sidecar cannot use NACKs the response
// with the reason, and the last good config stays in force. Reconnects with backoff, and keeps
// serving its last good config while no control plane answers. Besides Envoy's four types it asks
// for its service's pilotfish.v1.ServiceConfig (app parameters), applied on its own.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  TYPE_URL,
  createAdsClient,
  objectToStruct,
  type AdsClient as AdsStub,
  type DiscoveryRequestOut,
  type DiscoveryResponseIn,
  type ResourceTypeUrl,
} from '../../../proto/xds.js';
import type { ServiceConfig__Output } from '../../../proto/gen/pilotfish/v1/ServiceConfig.js';
import { XdsConfigError, type XdsResourceSet } from './resource-set.js';
import { endpointNamesOf, routeNamesOf } from './subscriptions.js';

export interface AdsClientOptions {
  controlPlane: string;
  nodeId: string;
  /** Node metadata: NAMESPACE picks the node group; SERVICE, ROLE and INSTANCE_ID are for status. */
  metadata: Record<string, string>;
  /** The listeners to ask for by name; undefined: every listener of its group (a wildcard LDS subscription: a sidecar's TCP listeners, a gateway's servers). */
  listenerNames: string[] | undefined;
  /** The ServiceConfig resources to ask for by name (this sidecar's own service). */
  serviceConfigNames: string[];
  /** Checks and applies a candidate resource set; throws XdsConfigError to reject it. */
  apply(resources: XdsResourceSet): void;
  /**
   * Checks and applies the ServiceConfig resources held after a response (none when the service
   * has no ServiceConfig); throws XdsConfigError to reject them. The proxy config is not touched.
   */
  applyServiceConfigs(resources: ReadonlyMap<string, ServiceConfig__Output>): void;
  logger: Logger;
}

interface TypeState {
  /** Names subscribed; undefined = wildcard. */
  names: string[] | undefined;
  version: string;
  nonce: string;
  resources: Map<string, object>;
  received: boolean;
  lastNack?: { version: string; nonce: string; message: string; at: string };
  /** Responses of this type rejected so far. */
  nacks: number;
  updatedAt?: string;
}

// Order of the initial requests: CDS before EDS, LDS before RDS (xDS's recommended sequencing).
const TYPE_ORDER: ResourceTypeUrl[] = [
  TYPE_URL.cluster,
  TYPE_URL.endpoint,
  TYPE_URL.listener,
  TYPE_URL.route,
  TYPE_URL.serviceConfig,
];
const INCREMENTAL_TYPES: ReadonlySet<ResourceTypeUrl> = new Set([TYPE_URL.endpoint, TYPE_URL.route]);
const INVALID_ARGUMENT = 3;
const INTERNAL = 13;

export class AdsClient {
  #client: AdsStub;
  #stream: grpc.ClientDuplexStream<DiscoveryRequestOut, DiscoveryResponseIn> | undefined;
  #types = new Map<ResourceTypeUrl, TypeState>();
  #stopped = false;
  #backoffMs = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #connected = false;

  constructor(private readonly options: AdsClientOptions) {
    this.#client = createAdsClient(options.controlPlane, {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    });
    const initialNames: Record<ResourceTypeUrl, string[] | undefined> = {
      [TYPE_URL.cluster]: undefined,
      [TYPE_URL.endpoint]: [],
      [TYPE_URL.listener]: options.listenerNames,
      [TYPE_URL.route]: [],
      [TYPE_URL.serviceConfig]: options.serviceConfigNames,
    };
    for (const typeUrl of TYPE_ORDER) {
      this.#types.set(typeUrl, {
        names: initialNames[typeUrl],
        version: '',
        nonce: '',
        resources: new Map(),
        received: false,
        nacks: 0,
      });
    }
  }

  get isConnected(): boolean {
    return this.#connected;
  }

  /** Every subscribed type has had a response accepted (a type with no names to ask for counts). */
  get hasInitialConfig(): boolean {
    return TYPE_ORDER.every((typeUrl) => {
      const state = this.#state(typeUrl);
      return state.received || (state.names !== undefined && state.names.length === 0);
    });
  }

  start(): void {
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#stream?.cancel();
    this.#client.close();
  }

  /** Per subscribed type URL, the responses rejected so far (metrics). */
  nackCounts(): Array<[typeUrl: string, nacks: number]> {
    return TYPE_ORDER.map((typeUrl) => [typeUrl, this.#state(typeUrl).nacks]);
  }

  /** Per subscribed type URL, the version in force ("" before the first accepted response). */
  versions(): Array<[typeUrl: string, version: string]> {
    return TYPE_ORDER.map((typeUrl) => [typeUrl, this.#state(typeUrl).version]);
  }

  /** What the sidecar holds, per type: accepted version, resources, last NACK. */
  configDump(): object {
    return {
      controlPlane: this.options.controlPlane,
      connected: this.#connected,
      nodeId: this.options.nodeId,
      configs: TYPE_ORDER.map((typeUrl) => {
        const state = this.#state(typeUrl);
        return {
          type_url: typeUrl,
          version_info: state.version,
          subscribed: state.names ?? '*',
          last_updated: state.updatedAt,
          last_nack: state.lastNack,
          resources: [...state.resources.values()],
        };
      }),
    };
  }

  #state(typeUrl: ResourceTypeUrl): TypeState {
    return this.#types.get(typeUrl) as TypeState;
  }

  #connect(): void {
    if (this.#stopped) return;
    const stream = this.#client.StreamAggregatedResources();
    this.#stream = stream;
    let isFirst = true;
    for (const typeUrl of TYPE_ORDER) {
      const state = this.#state(typeUrl);
      if (state.names !== undefined && state.names.length === 0) continue;
      // A new stream starts from what this sidecar holds: its versions, no nonces.
      this.#send(typeUrl, { version: state.version, nonce: '', withNode: isFirst });
      isFirst = false;
    }
    stream.on('data', (response: DiscoveryResponseIn) => {
      if (!this.#connected)
        this.options.logger.info({ controlPlane: this.options.controlPlane }, 'xDS stream connected');
      this.#connected = true;
      this.#backoffMs = 0;
      this.#onResponse(response);
    });
    stream.on('error', (error: grpc.ServiceError) =>
      this.#onStreamEnd(stream, `${grpc.status[error.code] ?? error.code}: ${error.details}`),
    );
    stream.on('end', () => this.#onStreamEnd(stream, 'stream ended by the control plane'));
  }

  #onStreamEnd(stream: grpc.ClientDuplexStream<DiscoveryRequestOut, DiscoveryResponseIn>, reason: string): void {
    if (this.#stream !== stream || this.#stopped) return;
    this.#stream = undefined;
    this.#connected = false;
    // Jittered exponential backoff, 250 ms to 10 s: a restarted control plane is not stampeded.
    this.#backoffMs = Math.min(10_000, this.#backoffMs === 0 ? 250 : this.#backoffMs * 2);
    const delay = Math.round(this.#backoffMs * (0.5 + Math.random() / 2));
    this.options.logger.warn({ reason, retryInMs: delay }, 'xDS stream lost; keeping last good config');
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #onResponse(response: DiscoveryResponseIn): void {
    const typeUrl = response.type_url ?? '';
    const nonce = response.nonce ?? '';
    const version = response.version_info ?? '';
    const state = this.#types.get(typeUrl as ResourceTypeUrl);
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
      const received = collect(typeUrl as ResourceTypeUrl, response.resources);
      // LDS and CDS responses are the whole state; RDS and EDS ones add to what is held (a
      // resource goes when no listener or cluster names it any more: see #followDependencies).
      const resources = INCREMENTAL_TYPES.has(typeUrl as ResourceTypeUrl)
        ? new Map([...state.resources, ...received])
        : received;
      if (typeUrl === TYPE_URL.serviceConfig) this.options.applyServiceConfigs(resources);
      else this.options.apply(this.#candidate(typeUrl as ResourceTypeUrl, resources));
      state.resources = resources;
      state.version = version;
      state.nonce = nonce;
      state.received = true;
      state.updatedAt = new Date().toISOString();
      this.#send(typeUrl as ResourceTypeUrl, { version, nonce });
      this.#followDependencies(typeUrl as ResourceTypeUrl);
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

  #candidate(typeUrl: ResourceTypeUrl, resources: Map<string, object>): XdsResourceSet {
    const of = (type: ResourceTypeUrl) =>
      (type === typeUrl ? resources : this.#state(type).resources) as Map<string, never>;
    return {
      clusters: of(TYPE_URL.cluster),
      endpoints: of(TYPE_URL.endpoint),
      listeners: of(TYPE_URL.listener),
      routes: of(TYPE_URL.route),
    };
  }

  /** After CDS or LDS is accepted, subscribes EDS or RDS to the names they now reference. */
  #followDependencies(typeUrl: ResourceTypeUrl): void {
    let dependent: ResourceTypeUrl;
    let names: string[];
    if (typeUrl === TYPE_URL.cluster) {
      dependent = TYPE_URL.endpoint;
      names = endpointNamesOf(this.#state(typeUrl).resources.values() as never);
    } else if (typeUrl === TYPE_URL.listener) {
      dependent = TYPE_URL.route;
      names = routeNamesOf(this.#state(typeUrl).resources.values() as never);
    } else return;
    const state = this.#state(dependent);
    if (state.names !== undefined && sameNames(state.names, names)) return;
    state.names = names;
    for (const name of [...state.resources.keys()]) if (!names.includes(name)) state.resources.delete(name);
    this.#send(dependent, { version: state.version, nonce: state.nonce, withNode: false });
  }

  #send(
    typeUrl: ResourceTypeUrl,
    { version, nonce, withNode = false }: { version: string; nonce: string; withNode?: boolean },
  ): void {
    const request: DiscoveryRequestOut = {
      version_info: version,
      resource_names: this.#state(typeUrl).names ?? [],
      type_url: typeUrl,
      response_nonce: nonce,
    };
    if (withNode) request.node = this.#node();
    this.#stream?.write(request);
  }

  #nack(typeUrl: string, version: string, nonce: string, message: string, code: number): void {
    const state = this.#types.get(typeUrl as ResourceTypeUrl);
    this.#stream?.write({
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

/** The response's resources by name; every one must be of the response's type, names unique. */
function collect(typeUrl: ResourceTypeUrl, resources: DiscoveryResponseIn['resources']): Map<string, object> {
  const byName = new Map<string, object>();
  resources.forEach((resource, index) => {
    const type = resource['@type'] ?? resource.type_url;
    if (type !== typeUrl) throw new XdsConfigError(`resources[${index}]: type "${type}" in a response for ${typeUrl}`);
    const name = typeUrl === TYPE_URL.endpoint ? resource.cluster_name : resource.name;
    if (typeof name !== 'string' || name === '') throw new XdsConfigError(`resources[${index}]: has no name`);
    if (byName.has(name)) throw new XdsConfigError(`resources[${index}]: duplicate resource name "${name}"`);
    byName.set(name, resource);
  });
  return byName;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}
