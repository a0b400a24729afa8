// Config versions in etcd. One transaction per accepted change, made only if no other change came
// since the one it was validated on: it writes the changed documents (keys under `documents/`), the
// version marker and a history entry holding the whole set; its etcd revision is the config version.
// History entries beyond the limit are deleted in the same transaction.
import type { Etcd3, IKeyValue, IRequestOp } from 'etcd3';
import { documentKey, isSameDocument, type ConfigVersion, type StoredDocument } from '../config/config-history.js';
import { ConfigConflictError, type ConfigLog, type NewConfigVersion } from './config-log.js';
import { callEtcd } from './etcd-client.js';

interface HistoryEntry {
  at: string;
  author: string;
  changed: string[];
  documents: StoredDocument[];
}

export class EtcdConfigLog implements ConfigLog {
  /** Kept history entries' keys, oldest first (their names sort as their versions do). */
  #historyKeys: string[] = [];
  #loaded: ConfigVersion[] = [];
  #latest: ConfigVersion | undefined;
  #listeners = new Set<(version: ConfigVersion) => void>();

  constructor(
    private readonly client: Etcd3,
    /** The key prefix of the config, e.g. `/pilotfish/config/`. */
    readonly prefix: string,
    private readonly options: { historyLimit: number; storeName: string },
  ) {}

  versions(): ConfigVersion[] {
    return this.#loaded;
  }

  async append(baseVersion: number, change: NewConfigVersion): Promise<number> {
    const versionKey = Buffer.from(`${this.prefix}version`);
    // Named after the version it follows, which is unique: the transaction succeeds only on top of it.
    const historyKey = `${this.prefix}history/${String(baseVersion).padStart(20, '0')}`;
    const entry: HistoryEntry = { ...change, documents: [...change.documents.values()] };
    const kept = [...this.#historyKeys, historyKey];
    const expired = kept.slice(0, Math.max(0, kept.length - this.options.historyLimit));
    const success: IRequestOp[] = [
      { request_put: { key: versionKey, value: Buffer.from(String(baseVersion)) } },
      { request_put: { key: Buffer.from(historyKey), value: Buffer.from(JSON.stringify(entry)) } },
      ...expired.map((key) => ({ request_delete_range: { key: Buffer.from(key) } })),
      ...this.#documentChanges(change.documents),
    ];
    const response = await callEtcd('config change', this.options.storeName, () =>
      this.client.kv.txn({
        compare: [{ key: versionKey, target: 'Mod', result: 'Equal', mod_revision: baseVersion }],
        success,
        failure: [{ request_range: { key: versionKey } }],
      }),
    );
    if (!response.succeeded) {
      const current = response.responses[0]?.response_range?.kvs[0];
      throw new ConfigConflictError(Number(current?.mod_revision ?? 0));
    }
    const version = Number(response.header.revision);
    // Known now, before the watch brings it: the next change diffs against it.
    this.#historyKeys = kept.filter((key) => !expired.includes(key));
    if (this.#latest === undefined || version > this.#latest.version) this.#latest = { ...change, version };
    return version;
  }

  onAppend(listener: (version: ConfigVersion) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * A put under the config prefix: from the store's first read (`load`), its watch, or a read after
   * the watch was lost (`reload`: only versions newer than the latest known are news).
   */
  applyPut(kv: IKeyValue, how: 'load' | 'watch' | 'reload'): void {
    const key = kv.key.toString('utf8');
    if (!key.startsWith(`${this.prefix}history/`)) return;
    const entry = JSON.parse(kv.value.toString('utf8')) as HistoryEntry;
    const version: ConfigVersion = {
      version: Number(kv.mod_revision),
      at: entry.at,
      author: entry.author,
      changed: entry.changed,
      documents: new Map(entry.documents.map((document) => [keyOf(document), document])),
    };
    this.#historyKeys = [...this.#historyKeys.filter((known) => known !== key), key].sort();
    const isNewest = this.#latest === undefined || version.version > this.#latest.version;
    if (isNewest) this.#latest = version;
    if (how === 'reload' && !isNewest) return;
    if (how === 'load') {
      this.#loaded = [...this.#loaded, version].sort((a, b) => a.version - b.version);
      return;
    }
    for (const listener of this.#listeners) listener(version);
  }

  applyDelete(kv: IKeyValue): void {
    const key = kv.key.toString('utf8');
    this.#historyKeys = this.#historyKeys.filter((known) => known !== key);
  }

  /** After a reload of the store: history entries whose keys were not read were deleted meanwhile. */
  dropAbsent(present: ReadonlySet<string>): void {
    this.#historyKeys = this.#historyKeys.filter((key) => present.has(key));
  }

  /** Puts of the documents created or changed since the latest version, deletes of those gone. */
  #documentChanges(next: ReadonlyMap<string, StoredDocument>): IRequestOp[] {
    const before = this.#latest?.documents ?? new Map<string, StoredDocument>();
    const keyName = (key: string) => Buffer.from(`${this.prefix}documents/${key}`);
    const puts = [...next]
      .filter(([key, document]) => !isSameDocument(before.get(key), document))
      .map(([key, document]) => ({ request_put: { key: keyName(key), value: Buffer.from(JSON.stringify(document)) } }));
    const deletes = [...before.keys()]
      .filter((key) => !next.has(key))
      .map((key) => ({ request_delete_range: { key: keyName(key) } }));
    return [...puts, ...deletes];
  }
}

function keyOf(document: StoredDocument): string {
  return documentKey(document.kind, document.namespace, document.name);
}
