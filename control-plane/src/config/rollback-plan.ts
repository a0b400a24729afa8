// What a rollback puts in force. The config folder stays authoritative: documents it defines now keep
// the folder's content, and documents it defined then are not brought back; both become notes.
import { documentRef, isSameDocument, type StoredDocument } from './config-history.js';

export function rollbackPlan(
  target: ReadonlyMap<string, StoredDocument>,
  current: ReadonlyMap<string, StoredDocument>,
): { api: Map<string, StoredDocument>; notes: string[] } {
  const api = new Map<string, StoredDocument>();
  const notes: string[] = [];
  for (const [key, document] of target) {
    const now = current.get(key);
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
  return { api, notes };
}
