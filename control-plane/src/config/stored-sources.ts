// The config store's documents as sources to validate. A document the API defines is a source of its
// own (so an error in it names it, not a neighbour's line), parsed once and kept while the document
// is; a stored version's folder documents become files named after the folder files that define them.
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfigFile, type ConfigFile, type SourcedDocument } from './config-documents.js';
import type { ConfigError } from './config-error.js';
import { documentKey, isSameDocument, type StoredDocument } from './config-history.js';
import { validateConfig, type ValidationResult } from './config-set.js';
import type { ValidateOptions } from './validate-options.js';

/** The name stored API documents validate under; errors in them are shown as `api: …` without a line. */
const STORED_API = String.fromCharCode(0) + 'api';
const STORED_API_AT = new RegExp(`${STORED_API}:\\d+`, 'g');

export class ApiSources {
  readonly #files = new WeakMap<StoredDocument, ConfigFile>();

  /** Keeps `document`, as parsed already (maybe in the worker), for later validations of `stored`. */
  remember(stored: StoredDocument, document: SourcedDocument): void {
    this.#files.set(stored, {
      name: STORED_API,
      text: '',
      parsed: { documents: [{ ...document, file: STORED_API }], errors: [] },
    });
  }

  /** The folder's files, the API's documents and `extra` sources validated as one config. */
  validate(
    folderFiles: readonly ConfigFile[],
    api: ReadonlyMap<string, StoredDocument>,
    extra: readonly ConfigFile[],
    options: ValidateOptions,
  ): ValidationResult {
    const stored = [...api.values()].map((document) => this.#fileOf(document));
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

  #fileOf(document: StoredDocument): ConfigFile {
    let file = this.#files.get(document);
    if (file === undefined) {
      const source = { name: STORED_API, text: stringify(document.source) };
      file = { ...source, parsed: parseConfigFile(source) };
      this.#files.set(document, file);
    }
    return file;
  }
}

/** The folder's documents of a stored version, as files named after the folder files that define them. */
export function folderFilesOf(documents: ReadonlyMap<string, StoredDocument>): ConfigFile[] {
  const texts = new Map<string, string[]>();
  for (const document of documents.values()) {
    if (document.file === undefined) continue;
    const file = texts.get(document.file) ?? [];
    file.push(stringify(document.source));
    texts.set(document.file, file);
  }
  return [...texts].map(([name, parts]) => {
    const source = { name, text: parts.join('---\n') };
    return { ...source, parsed: parseConfigFile(source) };
  });
}

/** The accepted documents by key, each marked with its folder file unless the API defines it. */
export function documentSet(
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

/** `file:<path>` for each folder file whose documents change from `current` to `next`. */
export function folderAuthor(
  current: ReadonlyMap<string, StoredDocument>,
  next: ReadonlyMap<string, StoredDocument>,
  configDir: string | undefined,
): string {
  const files = new Set<string>();
  for (const key of new Set([...current.keys(), ...next.keys()])) {
    const old = current.get(key);
    const now = next.get(key);
    const file = now?.file ?? old?.file;
    if (!isSameDocument(old, now) && file !== undefined) files.add(file);
  }
  const paths = [...files].sort().map((file) => `file:${configDir === undefined ? file : join(configDir, file)}`);
  return paths.join(', ') || 'file';
}

export function keyOf(document: SourcedDocument): string {
  return documentKey(document.document.kind, document.document.metadata.namespace, document.document.metadata.name);
}

export function toStored(document: SourcedDocument): StoredDocument {
  const { kind, metadata } = document.document;
  return { kind, namespace: metadata.namespace, name: metadata.name, source: document.source };
}
