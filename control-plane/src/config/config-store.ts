// The policy config in force, in memory, fed by two sources: the config folder and the Config API.
// Every change validates the whole set (folder documents + API documents) and is accepted whole or
// not at all; each accepted change is a new version, kept in the history with its author.
//
// Precedence: the folder is authoritative for the documents it defines (GitOps: what is in the
// repository is what runs), the API for the rest. An API change to a document a file defines is
// refused naming the file; a file that starts defining a document the API created takes it over.
import { join } from 'node:path';
import { parseConfigFile, type ConfigFile, type SourcedDocument } from './config-documents.js';
import { formatConfigError, type ConfigError } from './config-error.js';
import {
  ConfigHistory,
  diffDocuments,
  documentKey,
  documentRef,
  isSameDocument,
  storedLabel,
  type ConfigVersion,
  type StoredDocument,
} from './config-history.js';
import {
  EMPTY_CONFIG_SET,
  validateConfig,
  type ConfigSet,
  type ValidateOptions,
  type ValidationResult,
} from './config-set.js';
import { stringify } from 'yaml';

export interface ConfigRejection {
  at: string;
  messages: string[];
}

export interface ConfigStoreOptions {
  /** The config folder, to name changed files in the history as `file:<path>`. */
  configDir?: string;
  historyLimit?: number;
}

export interface ChangeOptions extends ValidateOptions {
  /** Who asked, for the history; `api` when empty. */
  author?: string;
  /** Validate and report what would change, but change nothing. */
  dryRun?: boolean;
}

export interface ChangeResult {
  /** The version in force afterwards (unchanged by a dry run or a change that changes nothing). */
  version: number;
  /** `Kind namespace/name created|updated|unchanged|deleted`. */
  changed: string[];
  /** Things the caller should know that did not stop the change. */
  notes: string[];
}

/** A change through the API that was refused; `reason` picks the gRPC status. */
export class ConfigChangeError extends Error {
  constructor(
    readonly reason: 'invalid' | 'not-found' | 'folder-owned',
    readonly messages: string[],
  ) {
    super(messages.join('\n'));
    this.name = 'ConfigChangeError';
  }
}

/** The name stored API documents validate under; errors in them are shown as `api: …` without a line. */
const STORED_API = String.fromCharCode(0) + 'api';
const STORED_API_AT = new RegExp(`${STORED_API}:\\d+`, 'g');

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
  #listeners = new Set<() => void>();

  constructor(private readonly options: ConfigStoreOptions = {}) {
    this.#history = new ConfigHistory(options.historyLimit);
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
   * replaces the API's copy. Listeners hear of accepted changes only.
   */
  apply(files: readonly ConfigFile[], options: ValidateOptions = {}): ValidationResult {
    const folderKeys = new Set(files.flatMap((file) => parseConfigFile(file).documents.map(keyOf)));
    const api = new Map([...this.#api].filter(([key]) => !folderKeys.has(key)));
    const result = this.#validate(files, api, [], options);
    if (!result.ok) {
      const messages = result.errors.map(formatConfigError);
      if (messages.join('\n') !== this.#rejection?.messages.join('\n')) this.#rejections++;
      this.#rejection = { at: new Date().toISOString(), messages };
      return result;
    }
    this.#rejection = undefined;
    const next = this.#documentSet(result.documents, api);
    const changed = diffDocuments(this.#current, next);
    this.#folderFiles = [...files];
    this.#api = api;
    this.#commit(result, next, changed, this.#folderAuthor(next));
    return result;
  }

  /**
   * Documents through the API (one change, however many sources): validated with everything in
   * force; refused when a config folder file defines one of them. A dry run changes nothing.
   */
  applyDocuments(sources: readonly ConfigFile[], options: ChangeOptions = {}): ChangeResult {
    const incoming = new Map<string, StoredDocument>();
    const conflicts: ConfigError[] = [];
    for (const source of sources) {
      for (const document of parseConfigFile(source).documents) {
        const key = keyOf(document);
        const file = this.#current.get(key)?.file;
        if (file !== undefined) {
          conflicts.push({
            file: document.file,
            line: document.lineOf(['metadata', 'name']),
            document: document.label,
            path: 'metadata.name',
            message: `is defined by the config folder in ${file}; change it there (the folder is authoritative for the documents it defines)`,
          });
        }
        incoming.set(key, toStored(document));
      }
    }
    if (conflicts.length > 0) throw new ConfigChangeError('folder-owned', conflicts.map(formatConfigError));
    const api = new Map([...this.#api].filter(([key]) => !incoming.has(key)));
    const result = this.#validate(this.#folderFiles, api, sources, options);
    if (!result.ok) throw new ConfigChangeError('invalid', result.errors.map(formatConfigError));
    for (const [key, document] of incoming) api.set(key, document);
    const next = this.#documentSet(result.documents, api);
    const changed = [...incoming].map(([key, document]) => {
      const old = this.#current.get(key);
      return `${documentRef(document)} ${old === undefined ? 'created' : isSameDocument(old, document) ? 'unchanged' : 'updated'}`;
    });
    if (options.dryRun) return { version: this.#version, changed, notes: [] };
    this.#api = api;
    this.#commit(result, next, diffDocuments(this.#current, next), options.author || 'api');
    return { version: this.#version, changed, notes: [] };
  }

  /** Deletes a document the API defines; refused when a file defines it or others depend on it. */
  delete(kind: string, namespace: string, name: string, options: ChangeOptions = {}): ChangeResult {
    const key = documentKey(kind, namespace, name);
    const document = this.#current.get(key);
    const label = storedLabel({ kind, namespace, name });
    if (document === undefined) throw new ConfigChangeError('not-found', [`${label} does not exist`]);
    if (document.file !== undefined) {
      throw new ConfigChangeError('folder-owned', [
        `${label} is defined by the config folder in ${document.file}; delete it there (the folder is authoritative for the documents it defines)`,
      ]);
    }
    const api = new Map(this.#api);
    api.delete(key);
    return this.#change(api, options, []);
  }

  /**
   * Makes the documents of an earlier version current again, as a new version. The config folder
   * stays authoritative: documents it defines now keep the folder's content, and documents it
   * defined then are not brought back (roll those back in the folder); both are reported as notes.
   */
  rollback(version: number, options: ChangeOptions = {}): ChangeResult {
    const target = this.#history.get(version);
    if (target === undefined)
      throw new ConfigChangeError('not-found', [
        `version ${version} is not in the history (${this.#history.describeRange()})`,
      ]);
    const api = new Map<string, StoredDocument>();
    const notes: string[] = [];
    for (const [key, document] of target.documents) {
      const now = this.#current.get(key);
      if (now?.file !== undefined) {
        if (!isSameDocument(now, document))
          notes.push(`${documentRef(document)}: the config folder defines it (${now.file}); kept as the folder has it`);
      } else if (document.file !== undefined) {
        notes.push(
          `${documentRef(document)}: was defined by the config folder (${document.file}), which no longer does; not restored`,
        );
      } else {
        api.set(key, document);
      }
    }
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

  /** What /debug/config shows: the documents in force, the version, the last rejection. */
  view(): object {
    return {
      version: this.#version,
      documents: this.#documents.map((source) => {
        const file = this.#current.get(keyOf(source))?.file;
        return file === undefined
          ? { api: true, document: source.label, source: source.source }
          : { file, line: source.line, document: source.label, source: source.source };
      }),
      lastRejection: this.#rejection ?? null,
    };
  }

  /** Puts `api` in force as the API's documents (with the folder's as they are), when valid. */
  #change(api: Map<string, StoredDocument>, options: ChangeOptions, notes: string[]): ChangeResult {
    const result = this.#validate(this.#folderFiles, api, [], options);
    if (!result.ok) throw new ConfigChangeError('invalid', result.errors.map(formatConfigError));
    const next = this.#documentSet(result.documents, api);
    const changed = diffDocuments(this.#current, next);
    if (options.dryRun) return { version: this.#version, changed, notes };
    this.#api = api;
    this.#commit(result, next, changed, options.author || 'api');
    return { version: this.#version, changed, notes };
  }

  #validate(
    folderFiles: readonly ConfigFile[],
    api: ReadonlyMap<string, StoredDocument>,
    extra: readonly ConfigFile[],
    options: ValidateOptions,
  ): ValidationResult {
    // Each API document is its own source, so an error in one names it, not a neighbour's line.
    const stored = [...api.values()].map((document) => ({ name: STORED_API, text: stringify(document.source) }));
    const result = validateConfig([...folderFiles, ...stored, ...extra], {
      isRegistered: options.isRegistered,
      requireDeclared: options.requireDeclared,
    });
    if (result.ok) return result;
    const named = (error: ConfigError): ConfigError => ({
      ...error,
      message: error.message.replaceAll(STORED_API_AT, 'api'),
    });
    return {
      ...result,
      errors: result.errors.map((error) =>
        named(error.file === STORED_API ? { ...error, file: 'api', line: undefined } : error),
      ),
    };
  }

  /** The accepted documents by key, each marked with its folder file unless the API defines it. */
  #documentSet(
    documents: readonly SourcedDocument[],
    api: ReadonlyMap<string, StoredDocument>,
  ): Map<string, StoredDocument> {
    const set = new Map<string, StoredDocument>();
    for (const document of documents) {
      const key = keyOf(document);
      set.set(key, api.has(key) ? toStored(document) : { ...toStored(document), file: document.file });
    }
    return set;
  }

  #commit(
    result: Extract<ValidationResult, { ok: true }>,
    next: Map<string, StoredDocument>,
    changed: string[],
    author: string,
  ): void {
    this.#current = next;
    this.#config = result.config;
    this.#documents = result.documents;
    // Unchanged content (a comment, a document moved between files) is not a new version.
    if (changed.length === 0) return;
    this.#version++;
    this.#history.add({ version: this.#version, at: new Date().toISOString(), author, changed, documents: next });
    for (const listener of this.#listeners) listener();
  }

  /** `file:<path>` for each folder file whose documents change from the documents in force to `next`. */
  #folderAuthor(next: ReadonlyMap<string, StoredDocument>): string {
    const files = new Set<string>();
    for (const key of new Set([...this.#current.keys(), ...next.keys()])) {
      const old = this.#current.get(key);
      const now = next.get(key);
      const file = now?.file ?? old?.file;
      if (!isSameDocument(old, now) && file !== undefined) files.add(file);
    }
    const paths = [...files]
      .sort()
      .map((file) => `file:${this.options.configDir === undefined ? file : join(this.options.configDir, file)}`);
    return paths.join(', ') || 'file';
  }
}

function keyOf(document: SourcedDocument): string {
  return documentKey(document.document.kind, document.document.metadata.namespace, document.document.metadata.name);
}

function toStored(document: SourcedDocument): StoredDocument {
  const { kind, metadata } = document.document;
  return { kind, namespace: metadata.namespace, name: metadata.name, source: document.source };
}
