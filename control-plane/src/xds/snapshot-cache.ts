// Versioned xDS resources per node group. Each resource is encoded once when it changes and served
// from here to every stream of the group; a type's version is a hash of its content, so replicas
// and restarts agree on versions and an unchanged type is never pushed again.
import { createHash } from 'node:crypto';
import { RESOURCE_TYPE_URLS, encodeResource, type EncodedResource, type ResourceTypeUrl } from '../../../proto/xds.js';
import type { ResourceSnapshot } from '../translate/resources.js';

export interface CachedResource {
  /** Content hash of this one resource: lets a stream skip pushes that do not touch its names. */
  hash: string;
  encoded: EncodedResource;
}

export interface TypeSnapshot {
  version: string;
  resources: ReadonlyMap<string, CachedResource>;
}

export type GroupSnapshot = Record<ResourceTypeUrl, TypeSnapshot>;

export type SnapshotWatcher = (changed: readonly ResourceTypeUrl[]) => void;

const EMPTY: TypeSnapshot = { version: '', resources: new Map() };

export class SnapshotCache {
  #groups = new Map<string, GroupSnapshot>();
  #watchers = new Map<string, Set<SnapshotWatcher>>();

  /**
   * Replaces a group's resources. Resources whose content is unchanged keep their encoding; types
   * whose content changed get a new version and the group's watchers are told which.
   * Returns the changed types.
   */
  setSnapshot(group: string, snapshot: ResourceSnapshot): ResourceTypeUrl[] {
    const previous = this.#groups.get(group);
    const next = {} as GroupSnapshot;
    const changed: ResourceTypeUrl[] = [];
    for (const typeUrl of RESOURCE_TYPE_URLS) {
      const before = previous?.[typeUrl] ?? EMPTY;
      const typeSnapshot = buildTypeSnapshot(typeUrl, snapshot[typeUrl], before);
      next[typeUrl] = typeSnapshot;
      if (typeSnapshot.version !== before.version) changed.push(typeUrl);
    }
    this.#groups.set(group, next);
    if (changed.length > 0) for (const watcher of this.#watchers.get(group) ?? []) watcher(changed);
    return changed;
  }

  get(group: string, typeUrl: ResourceTypeUrl): TypeSnapshot | undefined {
    return this.#groups.get(group)?.[typeUrl];
  }

  hasGroup(group: string): boolean {
    return this.#groups.has(group);
  }

  groups(): string[] {
    return [...this.#groups.keys()];
  }

  /** Calls `watcher` with the changed types after every change to the group; returns the unwatch function. */
  watch(group: string, watcher: SnapshotWatcher): () => void {
    let watchers = this.#watchers.get(group);
    if (!watchers) this.#watchers.set(group, (watchers = new Set()));
    watchers.add(watcher);
    return () => {
      watchers.delete(watcher);
      if (watchers.size === 0) this.#watchers.delete(group);
    };
  }
}

function buildTypeSnapshot(
  typeUrl: ResourceTypeUrl,
  resources: ReadonlyMap<string, object>,
  before: TypeSnapshot,
): TypeSnapshot {
  const names = [...resources.keys()].sort();
  const cached = new Map<string, CachedResource>();
  const version = createHash('sha256');
  for (const name of names) {
    const resource = resources.get(name) as object;
    const hash = hashOf(JSON.stringify(resource));
    const old = before.resources.get(name);
    const entry = old && old.hash === hash ? old : { hash, encoded: encodeResource(typeUrl, resource) };
    cached.set(name, entry);
    version.update(name).update('\0').update(entry.hash).update('\0');
  }
  return { version: names.length === 0 ? 'empty' : version.digest('hex').slice(0, 16), resources: cached };
}

function hashOf(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}
