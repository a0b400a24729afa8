// The policy config in force, fed by two sources: the config folder and the Config API. Every change
// validates the whole set (folder documents + API documents) and is accepted whole or not at all;
// each accepted change is stored in the config log (memory, or etcd shared by replicas) as a new
// version, kept in the history with its author. Versions other replicas store are adopted as they come.
//
// Precedence: the folder is authoritative for the documents it defines, the API for the rest
// (folder-ownership.ts); a file that starts defining a document the API created takes it over.
import { MemoryConfigLog, type ConfigLog } from '../store/config-log.js';
import { ConfigChangeError, type ChangeOptions, type ChangeResult, type ConfigRejection } from './config-change.js';
import { parseConfigFile, type ConfigFile, type SourcedDocument } from './config-documents.js';
import { formatConfigError } from './config-error.js';
import {
  ConfigHistory,
  diffDocuments,
  documentKey,
  documentRef,
  isSameDocument,
  type ConfigVersion,
  type StoredDocument,
} from './config-history.js';
import { EMPTY_CONFIG_SET, type ConfigSet, type ValidationResult } from './config-set.js';
import { debugView, undeclaredWarnings } from './config-view.js';
import { ConfigWrites } from './config-writes.js';
import { apiDocumentsOf, deletableKey } from './folder-ownership.js';
import { rollbackPlan } from './rollback-plan.js';
import { ApiSources, documentSet, folderAuthor, folderFilesOf, keyOf } from './stored-sources.js';
import type { UndeclaredReference, ValidateOptions } from './validate-options.js';

export interface ConfigStoreOptions {
  /** The config folder, to name changed files in the history as `file:<path>`. */
  configDir?: string;
  historyLimit?: number;
  /** Where accepted versions are stored; in memory when absent. */
  log?: ConfigLog;
  /** Whether a service is registered now: config naming an undeclared one that is not gets a warning. */
  isRegistered?: (fqdn: string) => boolean;
}

export class ConfigStore {
  #version = 0;
  #config: ConfigSet = EMPTY_CONFIG_SET;
  #documents: SourcedDocument[] = [];
  /** The documents in force by key, with the folder file that defines each (none: the API). */
  #current = new Map<string, StoredDocument>();
  /** The folder's files as last accepted. */
  #folderFiles: ConfigFile[] = [];
  /** The documents the API defines, by key. */
  #api = new Map<string, StoredDocument>();
  #history: ConfigHistory;
  #rejection: ConfigRejection | undefined;
  #rejections = 0;
  /** The config in force's references to services no Service document declares. */
  #undeclared: UndeclaredReference[] = [];
  #listeners = new Set<() => void>();
  readonly #sources = new ApiSources();
  #log: ConfigLog;
  readonly #writes = new ConfigWrites(() => this.#version);

  constructor(private readonly options: ConfigStoreOptions = {}) {
    this.#history = new ConfigHistory(options.historyLimit);
    this.#log = options.log ?? new MemoryConfigLog();
    // Only the newest stored version is validated and put in force; the older ones are history.
    const stored = this.#log.versions();
    for (const version of stored.slice(0, -1)) this.#history.add(version);
    const latest = stored.at(-1);
    if (latest) this.#adopt(latest);
    this.#log.onAppend((version) => this.#adopt(version));
  }

  get version(): number {
    return this.#version;
  }

  get config(): ConfigSet {
    return this.#config;
  }

  /** The config folder's last rejection (cleared when the folder is accepted again). */
  get rejection(): ConfigRejection | undefined {
    return this.#rejection;
  }

  /** References in force to services that have no instance now and no Service document. */
  get warnings(): string[] {
    return undeclaredWarnings(this.#undeclared, this.options.isRegistered ?? (() => false));
  }

  /** Documents in force. */
  get documentCount(): number {
    return this.#documents.length;
  }

  /** How many distinct rejections of the folder there were (the same set retried counts once). */
  get rejections(): number {
    return this.#rejections;
  }

  /** The latest accepted version, if any. */
  get latest(): ConfigVersion | undefined {
    return this.#history.latest;
  }

  /**
   * The config folder's files, as a whole: validated with the API's documents and put in force when
   * valid; otherwise the rejection is recorded and the config stays. A document a file now defines
   * replaces the API's copy. Listeners hear of accepted changes only. Rejects when the store is unavailable.
   */
  apply(files: readonly ConfigFile[], options: ValidateOptions = {}): Promise<ValidationResult> {
    return this.#writes.run(() => this.#applyFolder(files, options));
  }

  async #applyFolder(files: readonly ConfigFile[], options: ValidateOptions): Promise<ValidationResult> {
    const folderKeys = new Set(files.flatMap((file) => parseConfigFile(file).documents.map(keyOf)));
    const api = new Map([...this.#api].filter(([key]) => !folderKeys.has(key)));
    const result = this.#sources.validate(files, api, [], options);
    if (!result.ok) {
      const messages = result.errors.map(formatConfigError);
      if (messages.join('\n') !== this.#rejection?.messages.join('\n')) this.#rejections++;
      this.#rejection = { at: new Date().toISOString(), messages };
      return result;
    }
    const next = documentSet(result.documents, api);
    const changed = diffDocuments(this.#current, next);
    await this.#commit(result, next, changed, folderAuthor(this.#current, next, this.options.configDir), api);
    this.#rejection = undefined;
    this.#folderFiles = [...files];
    return result;
  }

  /**
   * Documents through the API (one change, however many sources): validated with everything in
   * force; refused when a config folder file defines one of them. A dry run changes nothing.
   */
  applyDocuments(sources: readonly ConfigFile[], options: ChangeOptions = {}): Promise<ChangeResult> {
    return this.#writes.run(() => this.#applyDocuments(sources, options));
  }

  async #applyDocuments(sources: readonly ConfigFile[], options: ChangeOptions): Promise<ChangeResult> {
    const incoming = apiDocumentsOf(sources, this.#current, this.#sources);
    const api = new Map([...this.#api].filter(([key]) => !incoming.has(key)));
    const result = this.#sources.validate(this.#folderFiles, api, sources, options);
    if (!result.ok) throw new ConfigChangeError('invalid', result.errors.map(formatConfigError));
    for (const [key, document] of incoming) api.set(key, document);
    const next = documentSet(result.documents, api);
    const changed = [...incoming].map(([key, document]) => {
      const old = this.#current.get(key);
      return `${documentRef(document)} ${old === undefined ? 'created' : isSameDocument(old, document) ? 'unchanged' : 'updated'}`;
    });
    if (options.dryRun) return { version: this.#version, changed, notes: [] };
    await this.#commit(result, next, diffDocuments(this.#current, next), options.author || 'api', api);
    return { version: this.#version, changed, notes: [] };
  }

  /** Deletes a document the API defines; refused when a file defines it or others depend on it. */
  delete(kind: string, namespace: string, name: string, options: ChangeOptions = {}): Promise<ChangeResult> {
    return this.#writes.run(() => this.#delete(kind, namespace, name, options));
  }

  #delete(kind: string, namespace: string, name: string, options: ChangeOptions): Promise<ChangeResult> {
    const key = deletableKey(this.#current, kind, namespace, name);
    const api = new Map(this.#api);
    api.delete(key);
    return this.#change(api, options, []);
  }

  /**
   * Makes the documents of an earlier version current again, as a new version. The config folder
   * stays authoritative: documents it defines now keep the folder's content, and documents it
   * defined then are not brought back (roll those back in the folder); both are reported as notes.
   */
  rollback(version: number, options: ChangeOptions = {}): Promise<ChangeResult> {
    return this.#writes.run(() => this.#rollback(version, options));
  }

  #rollback(version: number, options: ChangeOptions): Promise<ChangeResult> {
    const target = this.#history.get(version);
    if (target === undefined)
      throw new ConfigChangeError('not-found', [
        `version ${version} is not in the history (${this.#history.describeRange()})`,
      ]);
    const { api, notes } = rollbackPlan(target.documents, this.#current);
    return this.#change(api, { ...options, author: options.author || 'api' }, notes);
  }

  get(kind: string, namespace: string, name: string): StoredDocument | undefined {
    return this.#current.get(documentKey(kind, namespace, name));
  }

  /** The documents in force, by kind, namespace and name; filters apply when given. */
  list(kind?: string, namespace?: string): StoredDocument[] {
    return [...this.#current.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, document]) => document)
      .filter((document) => (!kind || document.kind === kind) && (!namespace || document.namespace === namespace));
  }

  /** Accepted versions, newest first. */
  history(limit = 0): ConfigVersion[] {
    return this.#history.list(limit);
  }

  /** Calls `listener` after every accepted change; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** What /debug/config shows: the documents in force, the version, the last rejection, warnings. */
  view(): object {
    return debugView({
      version: this.#version,
      documents: this.#documents,
      current: this.#current,
      rejection: this.#rejection,
      warnings: this.warnings,
    });
  }

  /** Puts `api` in force as the API's documents (with the folder's as they are), when valid. */
  async #change(api: Map<string, StoredDocument>, options: ChangeOptions, notes: string[]): Promise<ChangeResult> {
    const result = this.#sources.validate(this.#folderFiles, api, [], options);
    if (!result.ok) throw new ConfigChangeError('invalid', result.errors.map(formatConfigError));
    const next = documentSet(result.documents, api);
    const changed = diffDocuments(this.#current, next);
    if (options.dryRun) return { version: this.#version, changed, notes };
    await this.#commit(result, next, changed, options.author || 'api', api);
    return { version: this.#version, changed, notes };
  }

  /** Stores a validated change (acknowledged once stored) and puts it in force here. */
  async #commit(
    result: ValidResult,
    next: Map<string, StoredDocument>,
    changed: string[],
    author: string,
    api: Map<string, StoredDocument>,
  ): Promise<void> {
    // Unchanged content (a comment, a document moved between files) is not a new version.
    if (changed.length === 0) {
      this.#putInForce(result, next, api);
      return;
    }
    const change = { at: new Date().toISOString(), author, changed, documents: next };
    const version = await this.#log.append(this.#version, change);
    this.#adopt({ ...change, version }, { result, api });
  }

  /**
   * Puts a stored version in force: one this replica validated (`validated`), or one from the log,
   * validated here to build the config (the folder's documents as stored, under their file names).
   */
  #adopt(version: ConfigVersion, validated?: { result: ValidResult; api: Map<string, StoredDocument> }): void {
    if (version.version <= this.#version) return;
    let accepted = validated;
    let folderFiles = this.#folderFiles;
    if (accepted === undefined) {
      const api = new Map([...version.documents].filter(([, document]) => document.file === undefined));
      folderFiles = folderFilesOf(version.documents);
      const result = this.#sources.validate(folderFiles, api, [], { isRegistered: this.options.isRegistered });
      if (!result.ok) {
        this.#rejection = {
          at: new Date().toISOString(),
          messages: [
            `version ${version.version} from the store is not valid here:`,
            ...result.errors.map(formatConfigError),
          ],
        };
        return;
      }
      accepted = { result, api };
    }
    this.#putInForce(accepted.result, version.documents, accepted.api);
    // A replica without a config folder validates changes with the folder documents another one stored.
    if (validated === undefined && this.options.configDir === undefined) this.#folderFiles = folderFiles;
    this.#version = version.version;
    this.#history.add(version);
    for (const listener of this.#listeners) listener();
    this.#writes.adopted();
  }

  #putInForce(result: ValidResult, documents: ReadonlyMap<string, StoredDocument>, api: Map<string, StoredDocument>) {
    this.#current = new Map(documents);
    this.#api = api;
    this.#config = result.config;
    this.#documents = result.documents;
    this.#undeclared = result.undeclared;
  }
}

type ValidResult = Extract<ValidationResult, { ok: true }>;
