// The config folder as a source: every *.yaml / *.yml file in it (multi-document), read at start
// and again after every change, debounced so a burst of saves is one apply. Each read is the whole
// config: accepted whole or rejected whole (the last good config stays in force).
import { watch, type FSWatcher } from 'chokidar';
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import { Debouncer } from '../xds/debounce.js';
import { CONFIG_FILE, readConfigDir } from './config-dir-read.js';
import type { ConfigFile } from './config-documents.js';
import type { ConfigParser } from './config-parser.js';
import type { ConfigStore } from './config-store.js';

export interface ConfigDirOptions {
  store: ConfigStore;
  /** Whether a service is registered now (a reference to one neither registered nor declared is a note). */
  isRegistered(fqdn: string): boolean;
  logger: Logger;
  /** Parses the files off the event loop. */
  parser: ConfigParser;
  debounceMs?: number;
  maxDebounceMs?: number;
}

export class ConfigDirSource {
  #watcher: FSWatcher | undefined;
  #debouncer: Debouncer;
  #files: ConfigFile[] = [];
  #reading: Promise<void> = Promise.resolve();
  #lastRejection = '';
  #lastOutsideLinks = '';

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
      // `..2026_…` folders come and go when a ConfigMap volume publishes a new version.
      if (CONFIG_FILE.test(path) || basename(path).startsWith('..')) this.#debouncer.trigger();
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
        const read = await readConfigDir(this.dir);
        this.#warnOutsideLinks(read.outsideLinks);
        // A file unchanged since the last read keeps its parse.
        const previous = new Map(this.#files.map((file) => [file.name, file]));
        const files = read.files.map((file) => {
          const before = previous.get(file.name);
          return before !== undefined && before.text === file.text && before.problem === file.problem ? before : file;
        });
        this.#files = await this.options.parser.parse(files);
      } catch (error) {
        this.options.logger.error(
          { err: error, dir: this.dir },
          'cannot read or parse the config folder; the config in force stays',
        );
        return;
      }
      await this.#apply();
    });
    return this.#reading;
  }

  async close(): Promise<void> {
    this.#debouncer.cancel();
    await this.#watcher?.close();
  }

  #warnOutsideLinks(links: string[]): void {
    const key = links.join('\n');
    if (key !== this.#lastOutsideLinks && links.length > 0)
      this.options.logger.warn({ dir: this.dir, links }, 'config files linking outside the config folder are skipped');
    this.#lastOutsideLinks = key;
  }

  async #apply(): Promise<void> {
    const { store, logger } = this.options;
    const before = store.version;
    let result;
    try {
      result = await store.apply(this.#files, { isRegistered: this.options.isRegistered });
    } catch (error) {
      // The store is unreachable: the change is not in force on any replica; the next change of the folder retries.
      logger.error({ err: error, dir: this.dir }, 'cannot store the config folder; the config in force stays');
      return;
    }
    if (!result.ok) {
      const messages = store.rejection?.messages ?? [];
      // Say so once, not at every re-read of the same rejected files.
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
