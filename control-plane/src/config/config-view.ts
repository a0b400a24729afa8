// The config in force as operators see it: the warnings about services it names that nothing
// declares, and what /debug/config shows.
import type { ConfigRejection } from './config-change.js';
import type { SourcedDocument } from './config-documents.js';
import { formatConfigError } from './config-error.js';
import type { StoredDocument } from './config-history.js';
import type { UndeclaredReference } from './validate-options.js';
import { keyOf } from './stored-sources.js';

/** References to services that have no instance now (`isRegistered`) and no Service document, once each. */
export function undeclaredWarnings(
  undeclared: readonly UndeclaredReference[],
  isRegistered: (fqdn: string) => boolean,
): string[] {
  return [
    ...new Set(
      undeclared.filter((reference) => !isRegistered(reference.fqdn)).map(({ note }) => formatConfigError(note)),
    ),
  ];
}

export interface ConfigInForce {
  version: number;
  documents: readonly SourcedDocument[];
  /** The documents in force by key, with the folder file that defines each (none: the API). */
  current: ReadonlyMap<string, StoredDocument>;
  rejection: ConfigRejection | undefined;
  warnings: string[];
}

/** What /debug/config shows: the documents in force, the version, the last rejection, warnings. */
export function debugView({ version, documents, current, rejection, warnings }: ConfigInForce): object {
  return {
    version,
    documents: documents.map((source) => {
      const file = current.get(keyOf(source))?.file;
      return file === undefined
        ? { api: true, document: source.label, source: source.source }
        : { file, line: source.line, document: source.label, source: source.source };
    }),
    lastRejection: rejection ?? null,
    warnings,
  };
}
