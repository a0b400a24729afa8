// What an xDS client holds, per resource type: the names it subscribes to, the version and nonce it
// accepted, the resources, the last NACK, and where the config in force came from (a control plane,
// or the on-disk cache while none has answered yet).
import { TYPE_URL, type ResourceTypeUrl } from '../../../proto/xds.js';
import type { CachedType } from './config-cache-file.js';
import { HeldResources } from './held-resources.js';
import { XdsConfigError, type XdsResourceSet } from './resource-set.js';
import { endpointNamesOf, routeNamesOf } from './subscriptions.js';

export interface TypeState {
  /** Names subscribed; undefined = wildcard. */
  names: string[] | undefined;
  version: string;
  nonce: string;
  resources: HeldResources;
  /** A response of this type was accepted from a control plane. */
  received: boolean;
  /** The resources in force came from the config cache. */
  cached: boolean;
  lastNack?: { version: string; nonce: string; message: string; at: string };
  /** Responses of this type rejected so far. */
  nacks: number;
  updatedAt?: string;
}

/** Where the config in force came from: nowhere yet, the on-disk cache, or a control plane. */
export type ConfigSource = 'none' | 'cache' | 'control_plane';

// Order of the initial requests: CDS before EDS, LDS before RDS (xDS's recommended sequencing).
export const TYPE_ORDER: readonly ResourceTypeUrl[] = [
  TYPE_URL.cluster,
  TYPE_URL.endpoint,
  TYPE_URL.listener,
  TYPE_URL.route,
  TYPE_URL.serviceConfig,
];

export class HeldConfig {
  readonly #types = new Map<ResourceTypeUrl, TypeState>();

  constructor(initialNames: Record<ResourceTypeUrl, string[] | undefined>) {
    for (const typeUrl of TYPE_ORDER) {
      this.#types.set(typeUrl, {
        names: initialNames[typeUrl],
        version: '',
        nonce: '',
        resources: new HeldResources(typeUrl),
        received: false,
        cached: false,
        nacks: 0,
      });
    }
  }

  state(typeUrl: ResourceTypeUrl): TypeState {
    return this.#types.get(typeUrl) as TypeState;
  }

  /** The state of `typeUrl` when it is a type this client subscribes to. */
  find(typeUrl: string): TypeState | undefined {
    return this.#types.get(typeUrl as ResourceTypeUrl);
  }

  /** Whether the type has nothing to ask for (a dependent type whose parents name nothing). */
  isEmpty(typeUrl: ResourceTypeUrl): boolean {
    const { names } = this.state(typeUrl);
    return names !== undefined && names.length === 0;
  }

  /** Every subscribed type holds accepted or cached resources (a type with no names to ask for counts). */
  get isComplete(): boolean {
    return TYPE_ORDER.every((typeUrl) => {
      const state = this.state(typeUrl);
      return state.received || state.cached || this.isEmpty(typeUrl);
    });
  }

  /** A control plane has answered (some type was accepted from one). */
  get hasReceived(): boolean {
    return TYPE_ORDER.some((typeUrl) => this.state(typeUrl).received);
  }

  /** `cache` while any type in force (with names to ask for) is still the cached one. */
  get source(): ConfigSource {
    if (TYPE_ORDER.some((typeUrl) => this.state(typeUrl).cached && !this.isEmpty(typeUrl))) return 'cache';
    return this.isComplete ? 'control_plane' : 'none';
  }

  nackCounts(): Array<[typeUrl: string, nacks: number]> {
    return TYPE_ORDER.map((typeUrl) => [typeUrl, this.state(typeUrl).nacks]);
  }

  versions(): Array<[typeUrl: string, version: string]> {
    return TYPE_ORDER.map((typeUrl) => [typeUrl, this.state(typeUrl).version]);
  }

  /** The proxy resources held, with `replacements` in place of what is held of their types. */
  candidate(replacements: ReadonlyMap<ResourceTypeUrl, HeldResources>): XdsResourceSet {
    const of = (type: ResourceTypeUrl) =>
      (replacements.get(type) ?? this.state(type).resources) as unknown as ReadonlyMap<string, never>;
    return {
      clusters: of(TYPE_URL.cluster),
      endpoints: of(TYPE_URL.endpoint),
      listeners: of(TYPE_URL.listener),
      routes: of(TYPE_URL.route),
    };
  }

  /** Records an accepted response of `typeUrl` from a control plane. */
  accept(typeUrl: ResourceTypeUrl, resources: HeldResources, version: string, nonce: string): void {
    const state = this.state(typeUrl);
    state.resources = resources;
    state.version = version;
    state.nonce = nonce;
    state.received = true;
    state.cached = false;
    state.updatedAt = new Date().toISOString();
  }

  /** What to write to the config cache: every type as it is in force. */
  toCache(): CachedType[] {
    return TYPE_ORDER.map((typeUrl) => {
      const { version, resources } = this.state(typeUrl);
      return { typeUrl, version, resources: [...resources.values()] };
    });
  }

  /** Takes cached resources as the config in force (the caller has applied them; dependents follow next). */
  restore(typeUrl: ResourceTypeUrl, resources: HeldResources, version: string, savedAt: string): void {
    const state = this.state(typeUrl);
    state.resources = resources;
    state.version = version;
    state.nonce = '';
    state.cached = true;
    state.updatedAt = savedAt;
  }

  /**
   * After CDS or LDS is accepted: EDS or RDS follow the names they now reference (resources no
   * longer named go). Returns the dependent type when its names changed (to ask for them).
   */
  followDependencies(typeUrl: ResourceTypeUrl): ResourceTypeUrl | undefined {
    let dependent: ResourceTypeUrl;
    let names: string[];
    if (typeUrl === TYPE_URL.cluster) {
      dependent = TYPE_URL.endpoint;
      names = endpointNamesOf(this.state(typeUrl).resources.values() as never);
    } else if (typeUrl === TYPE_URL.listener) {
      dependent = TYPE_URL.route;
      names = routeNamesOf(this.state(typeUrl).resources.values() as never);
    } else return undefined;
    const state = this.state(dependent);
    for (const name of [...state.resources.keys()]) if (!names.includes(name)) state.resources.delete(name);
    if (state.names !== undefined && sameNames(state.names, names)) return undefined;
    state.names = names;
    return dependent;
  }

  /** Per type: accepted version, subscription, resources, last NACK, and whether it came from the cache. */
  dump(): object[] {
    return TYPE_ORDER.map((typeUrl) => {
      const state = this.state(typeUrl);
      return {
        type_url: typeUrl,
        version_info: state.version,
        subscribed: state.names ?? '*',
        last_updated: state.updatedAt,
        ...(state.cached && { from_cache: true }),
        last_nack: state.lastNack,
        resources: [...state.resources.values()],
      };
    });
  }
}

/**
 * What to hold after a response of `typeUrl` (`received`, checked by collect): `received` alone, or
 * for an incremental type added to what is held; compact types as bytes, sharing the held ones.
 */
export function resourcesAfter(
  held: HeldResources,
  received: ReadonlyMap<string, object>,
  isIncremental: boolean,
): HeldResources {
  const resources = isIncremental ? held.merged(received) : new HeldResources(held.typeUrl, received);
  resources.compact();
  return resources;
}

/** Resources by name; every one must be of `typeUrl`, names unique. */
export function collect(typeUrl: ResourceTypeUrl, resources: readonly object[]): Map<string, object> {
  const byName = new Map<string, object>();
  resources.forEach((resource, index) => {
    const fields = resource as { '@type'?: string; type_url?: string; name?: unknown; cluster_name?: unknown };
    const type = fields['@type'] ?? fields.type_url;
    if (type !== typeUrl) throw new XdsConfigError(`resources[${index}]: type "${type}" in a response for ${typeUrl}`);
    const name = typeUrl === TYPE_URL.endpoint ? fields.cluster_name : fields.name;
    if (typeof name !== 'string' || name === '') throw new XdsConfigError(`resources[${index}]: has no name`);
    if (byName.has(name)) throw new XdsConfigError(`resources[${index}]: duplicate resource name "${name}"`);
    byName.set(name, resource);
  });
  return byName;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}
