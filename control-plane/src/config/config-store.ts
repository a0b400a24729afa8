// The policy config in force, in memory: replaced whole by a set that validates, with a version that
// counts accepted changes; a rejected set leaves it as it was and is kept as the last rejection.
import { formatConfigError } from './config-error.js';
import type { ConfigFile, SourcedDocument } from './config-documents.js';
import { EMPTY_MESH_CONFIG, validateConfig, type MeshConfig, type ValidateOptions, type ValidationResult } from './mesh-config.js';

export interface ConfigRejection {
  at: string;
  messages: string[];
}

export class ConfigStore {
  #version = 0;
  #config: MeshConfig = EMPTY_MESH_CONFIG;
  #documents: SourcedDocument[] = [];
  #fingerprint = '[]';
  #rejection: ConfigRejection | undefined;
  #listeners = new Set<() => void>();

  get version(): number {
    return this.#version;
  }

  get config(): MeshConfig {
    return this.#config;
  }

  get rejection(): ConfigRejection | undefined {
    return this.#rejection;
  }

  /**
   * Validates `files` as the whole config and puts it in force when it is valid; otherwise records
   * the rejection and keeps the config as it was. Listeners hear of accepted changes only.
   */
  apply(files: readonly ConfigFile[], options: ValidateOptions = {}): ValidationResult {
    const result = validateConfig(files, options);
    if (!result.ok) {
      this.#rejection = { at: new Date().toISOString(), messages: result.errors.map(formatConfigError) };
      return result;
    }
    this.#rejection = undefined;
    const fingerprint = JSON.stringify(result.documents.map((source) => [source.file, source.source]));
    if (fingerprint === this.#fingerprint) return result;
    this.#fingerprint = fingerprint;
    this.#config = result.config;
    this.#documents = result.documents;
    this.#version++;
    for (const listener of this.#listeners) listener();
    return result;
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
      documents: this.#documents.map((source) => ({ file: source.file, line: source.line, document: source.label, source: source.source })),
      lastRejection: this.#rejection ?? null,
    };
  }
}
