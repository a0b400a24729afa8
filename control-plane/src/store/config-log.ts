// Where accepted config versions are stored, in order: in memory (one control plane) or in etcd, where
// a version is the etcd revision of its change and every replica follows the others' changes.
import type { ConfigVersion } from '../config/config-history.js';

export type NewConfigVersion = Omit<ConfigVersion, 'version'>;

export interface ConfigLog {
  /** The versions stored when the store opened, oldest first (the newest is the config in force). */
  versions(): ConfigVersion[];
  /**
   * Stores a change made on top of `baseVersion`; resolves with its version once stored. Rejects with
   * a ConfigConflictError when another change was stored after `baseVersion`.
   */
  append(baseVersion: number, change: NewConfigVersion): Promise<number>;
  /** Calls `listener` with every version stored from now on, by any control plane sharing the store. */
  onAppend(listener: (version: ConfigVersion) => void): () => void;
}

/** Another change came first: the store is at `latestVersion`; validate again on top of it. */
export class ConfigConflictError extends Error {
  override readonly name = 'ConfigConflictError';
  constructor(readonly latestVersion: number) {
    super(`the config changed meanwhile (now version ${latestVersion})`);
  }
}

/** The config log of one control plane: versions count up from 1 and live as long as the process. */
export class MemoryConfigLog implements ConfigLog {
  #head = 0;

  versions(): ConfigVersion[] {
    return [];
  }

  append(baseVersion: number): Promise<number> {
    if (baseVersion !== this.#head) return Promise.reject(new ConfigConflictError(this.#head));
    return Promise.resolve(++this.#head);
  }

  onAppend(): () => void {
    return () => undefined;
  }
}
