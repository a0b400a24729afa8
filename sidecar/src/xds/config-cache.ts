// The sidecar's on-disk config cache (`--config-cache DIR`): the last config it accepted, written
// after each ACK so a sidecar that starts while no control plane answers can serve it (static
// stability). Writes are atomic (a temporary file renamed over the old one, mode 0600, in a 0700
// folder) and coalesced: while one is written, only the newest of the configs accepted meanwhile
// waits. A missing, unreadable or corrupt file is a warning and the sidecar starts without it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomically } from './atomic-file.js';
import { decodeCachedConfig, encodeCachedConfig, type CachedConfig } from './config-cache-file.js';

export interface ConfigCacheOptions {
  dir: string;
  /** Whose config this is (`namespace/service`). */
  owner: string;
  logger: Logger;
}

const FILE_NAME = 'xds-config.json';

export class ConfigCache {
  readonly file: string;
  #pending: CachedConfig | undefined;
  #writing: Promise<void> | undefined;
  #failing = false;

  constructor(private readonly options: ConfigCacheOptions) {
    this.file = join(options.dir, FILE_NAME);
  }

  /** The cached config, if there is a usable one for this owner (else a warning says why not). */
  async load(): Promise<CachedConfig | undefined> {
    const { logger, owner } = this.options;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') logger.info({ file: this.file }, 'no cached config yet');
      else logger.warn({ file: this.file, reason: String(error) }, 'cached config unreadable; starting without it');
      return undefined;
    }
    try {
      const cached = decodeCachedConfig(text);
      if (cached.owner !== owner) throw new Error(`it is the config of ${cached.owner}, not of ${owner}`);
      logger.info({ file: this.file, savedAt: cached.savedAt }, 'cached config found');
      return cached;
    } catch (error) {
      logger.warn(
        { file: this.file, reason: (error as Error).message },
        'cached config corrupt or not for this sidecar; starting without it',
      );
      return undefined;
    }
  }

  /** Writes `config` in the background (only the newest of several saved during one write). */
  save(config: CachedConfig): void {
    this.#pending = config;
    this.#writing ??= this.#drain();
  }

  /** Resolves once what was saved so far is on disk (or failed with a warning). */
  async flush(): Promise<void> {
    await this.#writing;
  }

  async #drain(): Promise<void> {
    for (let config = this.#pending; config !== undefined; config = this.#pending) {
      this.#pending = undefined;
      try {
        await this.#write(config);
        if (this.#failing) this.options.logger.info({ file: this.file }, 'config cache written again');
        this.#failing = false;
      } catch (error) {
        // Said once per run of failures, not once per config change.
        if (!this.#failing)
          this.options.logger.warn({ file: this.file, reason: String(error) }, 'writing the config cache failed');
        this.#failing = true;
      }
    }
    this.#writing = undefined;
  }

  async #write(config: CachedConfig): Promise<void> {
    await writeFileAtomically(this.file, encodeCachedConfig(config));
  }
}

/**
 * Puts the cached config in force for what no control plane has sent `waitMs` after start (the
 * client's `restore` does nothing once every type came live). Returns the cancel.
 */
export function fallBackToCache(
  cached: CachedConfig,
  client: { restore(): boolean },
  waitMs: number,
  logger: Logger,
): () => void {
  const timer = setTimeout(() => {
    try {
      if (client.restore())
        logger.warn(
          { savedAt: cached.savedAt, waitedMs: waitMs },
          'no control plane answered; serving the cached config until one does',
        );
    } catch (error) {
      logger.warn({ reason: (error as Error).message }, 'cached config not usable; waiting for a control plane');
    }
  }, waitMs);
  return () => clearTimeout(timer);
}

/** What /ready says while the cached config is in force: when it was saved and its versions. */
export function cachedConfigSummary(cached: CachedConfig): string {
  const versions = cached.types
    .filter((type) => type.version !== '')
    .map((type) => `${type.typeUrl.slice(type.typeUrl.lastIndexOf('.') + 1)} ${type.version}`);
  return `serving the config cached at ${cached.savedAt} (${versions.join(', ')}) until a control plane answers`;
}
