// The accepted versions of the policy config, newest last: each with its whole document set, who
// made it and what changed, so a version can be shown, diffed and rolled back to. Bounded.
import { documentLabel } from './config-error.js';

/** One document of a version: what it says and which source defines it. */
export interface StoredDocument {
  kind: string;
  namespace: string;
  name: string;
  /** The document as written (durations as strings). */
  source: unknown;
  /** The config folder file that defines it; undefined when the Config API does. */
  file?: string;
}

export interface ConfigVersion {
  version: number;
  at: string;
  author: string;
  /** `Kind namespace/name created|updated|deleted`. */
  changed: string[];
  documents: ReadonlyMap<string, StoredDocument>;
}

/** The newest this many versions are kept. */
export const HISTORY_LIMIT = 100;

export class ConfigHistory {
  #versions: ConfigVersion[] = [];

  constructor(readonly limit = HISTORY_LIMIT) {}

  add(version: ConfigVersion): void {
    this.#versions.push(version);
    if (this.#versions.length > this.limit) this.#versions.splice(0, this.#versions.length - this.limit);
  }

  get(version: number): ConfigVersion | undefined {
    return this.#versions.find((entry) => entry.version === version);
  }

  get latest(): ConfigVersion | undefined {
    return this.#versions.at(-1);
  }

  /** Newest first; all kept versions when `limit` is 0 or absent. */
  list(limit = 0): ConfigVersion[] {
    const newestFirst = [...this.#versions].reverse();
    return limit > 0 ? newestFirst.slice(0, limit) : newestFirst;
  }

  /** `kept versions 5–104`, for messages about a version no longer kept. */
  describeRange(): string {
    const first = this.#versions[0];
    const last = this.#versions.at(-1);
    return first && last ? `the history keeps versions ${first.version}–${last.version}` : 'the history is empty';
  }
}

export function documentKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** `Route default/reviews`: how change lists name a document. */
export function documentRef(document: Pick<StoredDocument, 'kind' | 'namespace' | 'name'>): string {
  return `${document.kind} ${document.namespace}/${document.name}`;
}

export function storedLabel(document: Pick<StoredDocument, 'kind' | 'namespace' | 'name'>): string {
  return documentLabel(document.kind, document.namespace, document.name);
}

export function isSameDocument(a: StoredDocument | undefined, b: StoredDocument | undefined): boolean {
  return a !== undefined && b !== undefined && JSON.stringify(a.source) === JSON.stringify(b.source);
}

/** What changed between two document sets, in key order: created, updated and deleted documents. */
export function diffDocuments(
  before: ReadonlyMap<string, StoredDocument>,
  after: ReadonlyMap<string, StoredDocument>,
): string[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changed: string[] = [];
  for (const key of keys) {
    const old = before.get(key);
    const now = after.get(key);
    if (now && !old) changed.push(`${documentRef(now)} created`);
    else if (old && !now) changed.push(`${documentRef(old)} deleted`);
    else if (now && old && !isSameDocument(old, now)) changed.push(`${documentRef(now)} updated`);
  }
  return changed;
}
