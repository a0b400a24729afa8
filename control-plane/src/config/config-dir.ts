// The config folder as a source: every *.yaml / *.yml file in it (multi-document), read at start
// and again after every change, debounced so a burst of saves is one apply. Each read is the whole
// config: accepted whole or rejected whole (the last good config stays in force).
import { watch, type FSWatcher } from 'chokidar';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Debouncer } from '../xds/debounce.js';
import type { ConfigFile } from './config-documents.js';
import type { ConfigStore } from './config-store.js';

const CONFIG_FILE = /\.ya?ml$/;

export interface ConfigDirOptions {
  store: ConfigStore;
  /** Whether a service is registered now (unknown services are rejected). */
  isRegistered(fqdn: string): boolean;
  logger: Logger;
  debounceMs?: number;
  maxDebounceMs?: number;
}

export class ConfigDirSource {
  #watcher: FSWatcher | undefined;
  #debouncer: Debouncer;
  #files: ConfigFile[] = [];
  #reading: Promise<void> = Promise.resolve();
  #lastRejection = '';

  constructor(
    readonly dir: string,
    private readonly options: ConfigDirOptions,
  ) {
    this.#debouncer = new Debouncer(() => void this.reload(), options.debounceMs ?? 100, options.maxDebounceMs ?? 1000);
  }

  /** Loads the folder and starts watching it; a bad config at start is logged, not fatal. */
  async start(): Promise<void> {
    try {
      await readdir(this.dir);
    } catch (error) {
      throw new Error(`cannot read the config folder ${this.dir}`, { cause: error });
    }
    await this.reload();
    this.#watcher = watch(this.dir, {
      ignoreInitial: true,
      depth: 0,
      // A file is read once its size stops changing, so a save in progress is not read half-written.
      awaitWriteFinish: { stabilityThreshold: 40, pollInterval: 10 },
    });
    this.#watcher.on('all', (_event, path) => {
      if (CONFIG_FILE.test(path)) this.#debouncer.trigger();
    });
    this.#watcher.on('error', (error) =>
      this.options.logger.error({ err: error, dir: this.dir }, 'config folder watch failed'),
    );
    await new Promise<void>((resolve) => this.#watcher?.once('ready', () => resolve()));
  }

  /** Reads every config file and applies the set; runs one at a time, in order. */
  reload(): Promise<void> {
    this.#reading = this.#reading.then(async () => {
      try {
        this.#files = await readConfigDir(this.dir);
      } catch (error) {
        this.options.logger.error(
          { err: error, dir: this.dir },
          'cannot read the config folder; the config in force stays',
        );
        return;
      }
      this.#apply();
    });
    return this.#reading;
  }

  /**
   * Applies the files read last again, when they were rejected: a service they name may have
   * registered since. Called after registry changes.
   */
  retryIfRejected(): void {
    if (this.options.store.rejection !== undefined) this.#apply();
  }

  async close(): Promise<void> {
    this.#debouncer.cancel();
    await this.#watcher?.close();
  }

  #apply(): void {
    const { store, logger } = this.options;
    const before = store.version;
    const result = store.apply(this.#files, { isRegistered: this.options.isRegistered });
    if (!result.ok) {
      const messages = store.rejection?.messages ?? [];
      // Registry changes retry a rejected set; say so once, not at every registration.
      const key = messages.join('\n');
      if (key !== this.#lastRejection)
        logger.warn(
          { dir: this.dir, errors: messages, version: store.version },
          'config rejected; the last good config stays in force',
        );
      this.#lastRejection = key;
      return;
    }
    this.#lastRejection = '';
    if (store.version !== before) {
      logger.info(
        { dir: this.dir, version: store.version, files: this.#files.length, documents: result.documents.length },
        'config applied',
      );
    }
  }
}

/** The folder's config files, sorted by name; a file deleted while reading is left out. */
export async function readConfigDir(dir: string): Promise<ConfigFile[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && CONFIG_FILE.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const files: ConfigFile[] = [];
  for (const name of names) {
    try {
      files.push({ name, text: await readFile(join(dir, name), 'utf8') });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return files;
}
