// How a config set is validated: online against the registry, or offline; and what validation
// reports about services no Service document declares.
import type { ConfigError } from './config-error.js';

export interface ValidateOptions {
  /**
   * Whether a service (by FQDN) is registered now; undefined when validating offline. Online, a
   * service that no Service document declares and no instance registers is a note, never an error:
   * config stays valid while instances come and go (requests to it get 503 meanwhile).
   */
  isRegistered?: (fqdn: string) => boolean;
  /** Offline only: a service no Service document declares is an error rather than a note. */
  requireDeclared?: boolean;
}

/** A reference to a service no Service document declares: it has instances only while some register. */
export interface UndeclaredReference {
  fqdn: string;
  /** Where, with the message to show while no instance is registered. */
  note: ConfigError;
}
