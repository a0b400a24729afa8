// After a start the registry is empty until instances register again. Proxies that reconnect say
// which version of each type they hold; a type is not served to their group until the cache
// reproduces one of those versions (versions are content hashes: the registry is back to what they
// hold) or one lease TTL has passed, so no proxy trades its full endpoint set for a partial one.
import type { Logger } from 'pino';
import type { ResourceTypeUrl } from '../../../proto/xds.js';
import { TYPE_SHORT_NAMES } from './proxy-status.js';

export interface WarmUpOptions {
  /** How long a type may be held: one lease TTL, within which every live instance registers again. */
  periodMs: number;
  logger: Logger;
}

export class WarmUp {
  /** Per group and type, the versions reconnected proxies hold. */
  #held = new Map<string, Set<string>>();
  #released = new Set<string>();
  #isWarm = false;
  #listeners = new Set<() => void>();
  #timer: NodeJS.Timeout;

  constructor(private readonly options: WarmUpOptions) {
    this.#timer = setTimeout(() => this.#end(), options.periodMs);
    this.#timer.unref?.();
  }

  /** A proxy's first request of a type carried `version`: it holds config from before the start. */
  noteHeldVersion(group: string, typeUrl: ResourceTypeUrl, version: string): void {
    if (this.#isWarm || version === '') return;
    const key = keyOf(group, typeUrl);
    if (this.#released.has(key)) return;
    let versions = this.#held.get(key);
    if (!versions) this.#held.set(key, (versions = new Set()));
    versions.add(version);
  }

  /** Whether `currentVersion` of the type must not be sent to the group yet. */
  isHeld(group: string, typeUrl: ResourceTypeUrl, currentVersion: string): boolean {
    if (this.#isWarm) return false;
    const key = keyOf(group, typeUrl);
    const versions = this.#held.get(key);
    if (!versions) return false;
    if (!versions.has(currentVersion)) return true;
    this.#held.delete(key);
    this.#released.add(key);
    this.options.logger.info(
      { group, type: TYPE_SHORT_NAMES[typeUrl], version: currentVersion },
      'registry warm for this type: serving the version reconnected proxies hold',
    );
    return false;
  }

  /** Calls `listener` once the warm-up period is over (held types are then served as they are). */
  onWarm(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#listeners.clear();
  }

  #end(): void {
    this.#isWarm = true;
    if (this.#held.size > 0) {
      this.options.logger.warn(
        { types: [...this.#held.keys()].map((key) => key.replace('\0', ' ')) },
        'warm-up period over: serving types whose registry state differs from what reconnected proxies hold',
      );
    }
    this.#held.clear();
    for (const listener of this.#listeners) listener();
  }
}

function keyOf(group: string, typeUrl: ResourceTypeUrl): string {
  return `${group}\0${TYPE_SHORT_NAMES[typeUrl]}`;
}
