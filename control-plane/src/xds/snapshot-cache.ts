// Versioned xDS resources per node group. Each resource is encoded once when it changes and served
// from here to every stream of the group; a type's version is a hash of its content, so replicas
// and restarts agree on versions and an unchanged type is never pushed again. A snapshot may keep
// resources of the last one by name (an incremental translation): those are neither hashed nor
// encoded again. A snapshot that references a resource it does not hold is refused: the group
// keeps its last good one. Streams are told of a change in batches, yielding between them.
import { createHash } from 'node:crypto';
import {
  EncodedResourceList,
  RESOURCE_TYPE_URLS,
  encodeResource,
  type EncodedResource,
  type ResourceTypeUrl,
} from '../../../proto/xds.js';
import type { KeptNames } from '../translate/group-memo.js';
import type { ResourceSnapshot } from '../translate/resources.js';
import { InconsistentSnapshotError, snapshotProblems } from './snapshot-consistency.js';

export interface CachedResource {
  /** Content hash of this one resource: lets a stream skip pushes that do not touch its names. */
  hash: string;
  encoded: EncodedResource;
}

export interface TypeSnapshot {
  version: string;
  resources: ReadonlyMap<string, CachedResource>;
  /**
   * Every resource of the type as one encoded list, built on first use: a wildcard subscriber's
   * response copies it instead of each stream assembling its own.
   */
  readonly all: EncodedResourceList;
}

export type GroupSnapshot = Record<ResourceTypeUrl, TypeSnapshot>;

export type SnapshotWatcher = (changed: readonly ResourceTypeUrl[]) => void;

/** The last snapshot refused for a group, and why (shown on /debug/snapshots). */
export interface SnapshotRejection {
  at: string;
  problems: readonly string[];
}

export interface SnapshotCacheOptions {
  /** Told of each refused snapshot (the server logs it). */
  onRejected?(error: InconsistentSnapshotError): void;
}

const FAN_OUT_BATCH = 250;
const EMPTY: TypeSnapshot = { version: '', resources: new Map(), all: EncodedResourceList.of([]) };

export class SnapshotCache {
  #groups = new Map<string, GroupSnapshot>();
  #watchers = new Map<string, Set<SnapshotWatcher>>();
  /** Groups whose latest snapshot was refused; a group may be here before it has any snapshot. */
  #rejections = new Map<string, SnapshotRejection>();

  constructor(private readonly options: SnapshotCacheOptions = {}) {}

  /**
   * Replaces a group's resources. Resources whose content is unchanged keep their encoding; types
   * whose content changed get a new version and the group's watchers are told which.
   * Returns the changed types: none when the snapshot is inconsistent and so not stored.
   */
  setSnapshot(group: string, snapshot: ResourceSnapshot, kept: KeptNames = {}): ResourceTypeUrl[] {
    const previous = this.#groups.get(group);
    const problems = [...keptProblems(kept, previous), ...snapshotProblems(snapshot, kept)];
    if (problems.length > 0) {
      this.#rejections.set(group, { at: new Date().toISOString(), problems });
      this.options.onRejected?.(new InconsistentSnapshotError(group, problems));
      return [];
    }
    this.#rejections.delete(group);
    const next = {} as GroupSnapshot;
    const changed: ResourceTypeUrl[] = [];
    for (const typeUrl of RESOURCE_TYPE_URLS) {
      const before = previous?.[typeUrl] ?? EMPTY;
      const typeSnapshot = buildTypeSnapshot(typeUrl, snapshot[typeUrl], kept[typeUrl], before);
      next[typeUrl] = typeSnapshot;
      if (typeSnapshot.version !== before.version) changed.push(typeUrl);
    }
    this.#groups.set(group, next);
    if (changed.length > 0) this.#tell(group, changed);
    return changed;
  }

  /**
   * Tells the group's watchers, FAN_OUT_BATCH at a time with a turn of the event loop between
   * batches: 5,000 streams told at once held the loop (and every ACK and registration) for the
   * whole push. A watcher gone meanwhile is skipped; one told late reads the newest snapshot.
   */
  #tell(group: string, changed: readonly ResourceTypeUrl[]): void {
    const watchers = [...(this.#watchers.get(group) ?? [])];
    const tellFrom = (start: number) => {
      const current = this.#watchers.get(group);
      const end = Math.min(start + FAN_OUT_BATCH, watchers.length);
      for (let index = start; index < end; index++) {
        const watcher = watchers[index] as SnapshotWatcher;
        if (current?.has(watcher)) watcher(changed);
      }
      if (end < watchers.length) setImmediate(tellFrom, end);
    };
    tellFrom(0);
  }

  get(group: string, typeUrl: ResourceTypeUrl): TypeSnapshot | undefined {
    return this.#groups.get(group)?.[typeUrl];
  }

  /** Whether the group was ever set, even if only with snapshots that were refused. */
  hasGroup(group: string): boolean {
    return this.#groups.has(group) || this.#rejections.has(group);
  }

  groups(): string[] {
    return [...new Set([...this.#groups.keys(), ...this.#rejections.keys()])];
  }

  /** Why the group's latest snapshot was refused; undefined when it was stored. */
  rejection(group: string): SnapshotRejection | undefined {
    return this.#rejections.get(group);
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
  kept: ReadonlySet<string> | undefined,
  before: TypeSnapshot,
): TypeSnapshot {
  const entries = new Map<string, CachedResource>();
  for (const name of kept ?? []) entries.set(name, before.resources.get(name) as CachedResource);
  for (const [name, resource] of resources) {
    const hash = hashOf(JSON.stringify(resource));
    const old = before.resources.get(name);
    entries.set(name, old && old.hash === hash ? old : { hash, encoded: ownBytes(encodeResource(typeUrl, resource)) });
  }
  // Nothing new: the same snapshot, with the resource list it may have encoded already.
  if (
    before !== EMPTY &&
    entries.size === before.resources.size &&
    [...entries].every(([name, entry]) => before.resources.get(name) === entry)
  )
    return before;
  const names = [...entries.keys()].sort();
  const cached = new Map<string, CachedResource>();
  const version = createHash('sha256');
  for (const name of names) {
    const entry = entries.get(name) as CachedResource;
    cached.set(name, entry);
    version.update(`${name}\0${entry.hash}\0`);
  }
  let all: EncodedResourceList | undefined;
  return {
    version: names.length === 0 ? 'empty' : version.digest('hex').slice(0, 16),
    resources: cached,
    get all() {
      return (all ??= EncodedResourceList.of([...cached.values()].map((resource) => resource.encoded)));
    },
  };
}

/** Kept names the group's current snapshot does not hold: the translation's memo and the cache disagree. */
function keptProblems(kept: KeptNames, previous: GroupSnapshot | undefined): string[] {
  return RESOURCE_TYPE_URLS.flatMap((typeUrl) =>
    [...(kept[typeUrl] ?? [])]
      .filter((name) => previous?.[typeUrl].resources.has(name) !== true)
      .map((name) => `${typeUrl} "${name}" is kept from the last snapshot, which does not hold it`),
  );
}

/**
 * The encoding in a buffer of its own: protobufjs slices small outputs from Node's shared 8 KB pool,
 * and one kept slice keeps its whole slab (1,200 slabs, 10 MB, held for 2,000 resources in the fleet).
 */
function ownBytes(encoded: EncodedResource): EncodedResource {
  return { type_url: encoded.type_url, any: new Uint8Array(encoded.any) };
}

function hashOf(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}
