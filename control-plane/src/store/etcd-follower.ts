// Follows everything under the store's prefix: one read at a revision, then a watch from the next.
// When etcd cancels the watch (its revision was compacted while this replica was away) it reads the
// whole store again and watches from there, so a replica never stops following the others.
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { Logger } from 'pino';
import { callEtcd } from './etcd-client.js';

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

export interface StoreView {
  /** A key as first read (`load`), seen by the watch (`watch`), or read again after a lost watch (`reload`). */
  apply(type: 'put' | 'delete', kv: IKeyValue, how: 'load' | 'watch' | 'reload'): void;
  /** After a reload at `revision`, which read `present` keys: whatever else the view holds is gone. */
  dropAbsent(present: ReadonlySet<string>, revision: number): void;
}

export class EtcdFollower {
  #watcher: Watcher | undefined;
  #retry: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly view: StoreView,
    private readonly options: { storeName: string; logger: Logger },
  ) {}

  /** Reads the whole store into the view and starts following it; resolves with the revision read. */
  async start(): Promise<number> {
    const { kvs, revision } = await this.#readAll();
    for (const kv of kvs) this.view.apply('put', kv, 'load');
    await this.#watch(revision + 1);
    return revision;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearTimeout(this.#retry);
    await this.#watcher?.cancel().catch(() => undefined);
  }

  async #readAll(): Promise<{ kvs: IKeyValue[]; revision: number }> {
    // '0' follows '/': the end of the range is just past every key under the prefix.
    const rangeEnd = Buffer.from(`${this.prefix.slice(0, -1)}0`);
    const all = await callEtcd('reading the store', this.options.storeName, () =>
      this.client.kv.range({ key: Buffer.from(this.prefix), range_end: rangeEnd }),
    );
    return { kvs: all.kvs, revision: Number(all.header.revision) };
  }

  async #watch(fromRevision: number): Promise<void> {
    const { logger, storeName } = this.options;
    const watcher = await callEtcd('watching the store', storeName, () =>
      this.client.watch().prefix(this.prefix).startRevision(String(fromRevision)).create(),
    );
    this.#watcher = watcher;
    watcher.on('put', (kv) => this.view.apply('put', kv, 'watch'));
    watcher.on('delete', (kv) => this.view.apply('delete', kv, 'watch'));
    // etcd3 reconnects by itself and resumes from the last revision seen: nothing is missed meanwhile.
    watcher.on('disconnected', (error) =>
      logger.warn({ err: error, store: storeName }, 'store watch lost; serving the last state seen, reconnecting'),
    );
    watcher.on('connected', () => logger.info({ store: storeName }, 'store watch connected'));
    // A canceled watch is over: etcd sends nothing more on it (a compacted revision cancels it).
    watcher.on('error', (error) => {
      logger.warn({ err: error, store: storeName }, 'store watch canceled; reading the whole store again');
      this.#reload(RETRY_MIN_MS);
    });
  }

  #reload(nextDelayMs: number): void {
    if (this.#isClosed) return;
    this.#watcher = undefined;
    void (async () => {
      try {
        const { kvs, revision } = await this.#readAll();
        // In revision order: a newer config version is adopted after the older ones it follows.
        const ordered = [...kvs].sort((a, b) => Number(a.mod_revision) - Number(b.mod_revision));
        for (const kv of ordered) this.view.apply('put', kv, 'reload');
        this.view.dropAbsent(new Set(kvs.map((kv) => kv.key.toString('utf8'))), revision);
        if (this.#isClosed) return;
        await this.#watch(revision + 1);
        this.options.logger.info({ store: this.options.storeName, revision }, 'store reloaded; following it again');
      } catch (error) {
        this.options.logger.warn(
          { err: error, store: this.options.storeName, retryInMs: nextDelayMs },
          'reading the store again failed; retrying',
        );
        this.#retry = setTimeout(() => this.#reload(Math.min(nextDelayMs * 2, RETRY_MAX_MS)), nextDelayMs);
      }
    })();
  }
}
