// What a config change through the API asks and answers, and how it is refused.
import type { ValidateOptions } from './validate-options.js';

export interface ConfigRejection {
  at: string;
  messages: string[];
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
    readonly reason: 'invalid' | 'not-found' | 'folder-owned' | 'conflict',
    readonly messages: string[],
  ) {
    super(messages.join('\n'));
    this.name = 'ConfigChangeError';
  }
}
