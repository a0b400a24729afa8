// The resources of one xDS type a sidecar holds, by name. Clusters, endpoints, listeners and route
// configurations are kept as their encoding (a latin1 string) and decoded again only when asked
// for (a changed resource, the config dump, the config cache): several times less memory than
// decoded objects, and a sidecar holds a cluster and its endpoints for every service of the mesh.
import { TYPE_URL, decodeEncodedValue, encodedValueOf, type ResourceTypeUrl } from '../../../proto/xds.js';

const COMPACT_TYPES: ReadonlySet<string> = new Set([
  TYPE_URL.cluster,
  TYPE_URL.endpoint,
  TYPE_URL.listener,
  TYPE_URL.route,
]);

export class HeldResources implements ReadonlyMap<string, object> {
  readonly #decoded: Map<string, object>;
  readonly #encoded = new Map<string, string>();
  /** Compact resources still decoded, until the version they came in is compiled (release). */
  readonly #fresh = new Map<string, object>();

  constructor(
    readonly typeUrl: ResourceTypeUrl,
    resources: ReadonlyMap<string, object> = new Map(),
  ) {
    this.#decoded = new Map(resources);
  }

  /** What is held, with `received` added or in place of the same names (an incremental response). */
  merged(received: ReadonlyMap<string, object>): HeldResources {
    const merged = new HeldResources(this.typeUrl);
    for (const [name, encoded] of this.#encoded) merged.#encoded.set(name, encoded);
    for (const [name, resource] of this.#decoded) merged.#decoded.set(name, resource);
    for (const [name, resource] of received) {
      merged.#encoded.delete(name);
      merged.#decoded.set(name, resource);
    }
    return merged;
  }

  /**
   * Keeps a compact type as its encoding only (a string). A resource sent again unchanged has the
   * same source (sourceOf: equal strings), so what was built from it is reused.
   */
  compact(): void {
    if (!COMPACT_TYPES.has(this.typeUrl)) return;
    for (const [name, resource] of this.#decoded) {
      this.#encoded.set(name, encodedValueOf(this.typeUrl, resource));
      this.#fresh.set(name, resource);
    }
    this.#decoded.clear();
  }

  /** Drops the decoded copies of compact resources (once what they came in is compiled). */
  release(): void {
    this.#fresh.clear();
  }

  /** What a resource was compiled from, compared with ===: its encoding once compact, else the object. */
  sourceOf(name: string): Source | undefined {
    return this.#encoded.get(name) ?? this.#decoded.get(name);
  }

  get size(): number {
    return this.#decoded.size + this.#encoded.size;
  }

  has(name: string): boolean {
    return this.#decoded.has(name) || this.#encoded.has(name);
  }

  /** The resource decoded: a new object each time for a compact one (callers keep what they build from it). */
  get(name: string): object | undefined {
    const decoded = this.#decoded.get(name) ?? this.#fresh.get(name);
    if (decoded !== undefined) return decoded;
    const encoded = this.#encoded.get(name);
    return encoded === undefined ? undefined : decodeEncodedValue(this.typeUrl, encoded);
  }

  delete(name: string): boolean {
    this.#fresh.delete(name);
    return this.#decoded.delete(name) || this.#encoded.delete(name);
  }

  *keys(): MapIterator<string> {
    yield* this.#decoded.keys();
    yield* this.#encoded.keys();
  }

  *entries(): MapIterator<[string, object]> {
    for (const name of this.keys()) yield [name, this.get(name) as object];
  }

  *values(): MapIterator<object> {
    for (const [, resource] of this.entries()) yield resource;
  }

  [Symbol.iterator](): MapIterator<[string, object]> {
    return this.entries();
  }

  forEach(callback: (value: object, key: string, map: ReadonlyMap<string, object>) => void): void {
    for (const [name, resource] of this.entries()) callback(resource, name, this);
  }
}

/** What a compiled piece was built from: equal (===) when it need not be built again. */
export type Source = object | string;

/** The source of `name` in a resource map: HeldResources' own, or the object itself (a plain map). */
export function sourceOf(resources: ReadonlyMap<string, object>, name: string): Source | undefined {
  return resources instanceof HeldResources ? resources.sourceOf(name) : resources.get(name);
}
