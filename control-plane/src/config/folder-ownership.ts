// The config folder is authoritative for the documents it defines (GitOps: what is in the
// repository is what runs): an API change or deletion of a document a file defines is refused
// naming the file.
import { ConfigChangeError } from './config-change.js';
import { parseConfigFile, type ConfigFile } from './config-documents.js';
import { formatConfigError, type ConfigError } from './config-error.js';
import { documentKey, storedLabel, type StoredDocument } from './config-history.js';
import { lineOfField } from './field-lines.js';
import { keyOf, toStored, type ApiSources } from './stored-sources.js';

/**
 * The documents of API `sources` by key, each kept parsed in `apiSources`; refused ('folder-owned')
 * when a config folder file in `current` defines one of them.
 */
export function apiDocumentsOf(
  sources: readonly ConfigFile[],
  current: ReadonlyMap<string, StoredDocument>,
  apiSources: ApiSources,
): Map<string, StoredDocument> {
  const incoming = new Map<string, StoredDocument>();
  const conflicts: ConfigError[] = [];
  for (const source of sources) {
    for (const document of parseConfigFile(source).documents) {
      const key = keyOf(document);
      const file = current.get(key)?.file;
      if (file !== undefined) {
        conflicts.push({
          file: document.file,
          line: lineOfField(document, ['metadata', 'name']),
          document: document.label,
          path: 'metadata.name',
          message: `is defined by the config folder in ${file}; change it there (the folder is authoritative for the documents it defines)`,
        });
      }
      const stored = toStored(document);
      apiSources.remember(stored, document);
      incoming.set(key, stored);
    }
  }
  if (conflicts.length > 0) throw new ConfigChangeError('folder-owned', conflicts.map(formatConfigError));
  return incoming;
}

/** The key of a document the API defines and may delete; refused when it does not exist or a file defines it. */
export function deletableKey(
  current: ReadonlyMap<string, StoredDocument>,
  kind: string,
  namespace: string,
  name: string,
): string {
  const key = documentKey(kind, namespace, name);
  const document = current.get(key);
  const label = storedLabel({ kind, namespace, name });
  if (document === undefined) throw new ConfigChangeError('not-found', [`${label} does not exist`]);
  if (document.file !== undefined) {
    throw new ConfigChangeError('folder-owned', [
      `${label} is defined by the config folder in ${document.file}; delete it there (the folder is authoritative for the documents it defines)`,
    ]);
  }
  return key;
}
