// Renews etcd leases for the sidecars whose keep-alive streams this replica holds: one etcd
// LeaseKeepAlive stream carries them all; each renewal resolves with the TTL etcd answers (0: gone).
import type { Etcd3, IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse } from 'etcd3';
import { callEtcd } from './etcd-client.js';
import { StoreUnavailableError } from './store-unavailable.js';

const RENEW_TIMEOUT_MS = 5000;

interface PendingRenewal {
  resolve: (ttlSeconds: number) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type KeepAliveStream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

export class EtcdLeaseKeeper {
  #stream: Promise<KeepAliveStream> | undefined;
  /** Renewals waiting for etcd's answer, by lease id, in the order they were sent. */
  #pending = new Map<string, PendingRenewal[]>();

  constructor(
    private readonly client: Etcd3,
    private readonly storeName: string,
  ) {}

  async renew(leaseId: string): Promise<number> {
    const stream = await this.#open();
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(new StoreUnavailableError('lease keep-alive', this.storeName, 'etcd did not answer in time')),
        RENEW_TIMEOUT_MS,
      );
      const queue = this.#pending.get(leaseId) ?? [];
      queue.push({ resolve, reject, timer });
      this.#pending.set(leaseId, queue);
      stream.write({ ID: leaseId });
    });
  }

  close(): void {
    this.#fail(new StoreUnavailableError('lease keep-alive', this.storeName, 'the store is closing'));
  }

  #open(): Promise<KeepAliveStream> {
    this.#stream ??= callEtcd('lease keep-alive', this.storeName, () => this.client.leaseClient.leaseKeepAlive()).then(
      (stream) => {
        stream.on('data', (response: ILeaseKeepAliveResponse) => this.#answer(response));
        stream.on('error', (error: Error) =>
          this.#fail(new StoreUnavailableError('lease keep-alive', this.storeName, error)),
        );
        stream.on('end', () =>
          this.#fail(new StoreUnavailableError('lease keep-alive', this.storeName, 'stream ended')),
        );
        return stream;
      },
      (error: unknown) => {
        this.#stream = undefined;
        throw error;
      },
    );
    return this.#stream;
  }

  #answer(response: ILeaseKeepAliveResponse): void {
    const queue = this.#pending.get(response.ID);
    const renewal = queue?.shift();
    if (queue?.length === 0) this.#pending.delete(response.ID);
    if (!renewal) return;
    clearTimeout(renewal.timer);
    renewal.resolve(Number(response.TTL));
  }

  /** The stream is broken: every waiting renewal fails, and the next one opens a new stream. */
  #fail(error: Error): void {
    const stream = this.#stream;
    this.#stream = undefined;
    void stream?.then(
      (open) => open.cancel(),
      () => undefined,
    );
    for (const queue of this.#pending.values()) {
      for (const renewal of queue) {
        clearTimeout(renewal.timer);
        renewal.reject(error);
      }
    }
    this.#pending.clear();
  }
}
