// Shared files in etcd: the whole set is one key (a JSON object, name → content), so a claim is one
// transaction that succeeds only while the key does not exist, and no replica ever reads half a set.
import type { Etcd3 } from 'etcd3';
import { callEtcd } from './etcd-client.js';
import type { SharedFiles } from './shared-files.js';

export class EtcdSharedFiles implements SharedFiles {
  constructor(
    private readonly client: Etcd3,
    /** The key holding the set, e.g. `/pilotfish/ca/files`. */
    private readonly key: string,
    private readonly storeName: string,
  ) {}

  async read(): Promise<Map<string, string> | undefined> {
    const stored = await callEtcd('reading the CA', this.storeName, () => this.client.get(this.key).buffer());
    return stored === null ? undefined : decode(stored, this.key);
  }

  async claim(files: ReadonlyMap<string, string>): Promise<Map<string, string>> {
    const key = Buffer.from(this.key);
    const response = await callEtcd('sharing the CA', this.storeName, () =>
      this.client.kv.txn({
        compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key, value: encode(files) } }],
        failure: [{ request_range: { key } }],
      }),
    );
    if (response.succeeded) return new Map(files);
    const stored = response.responses[0]?.response_range?.kvs[0]?.value;
    if (stored === undefined) throw new Error(`${this.key} vanished from the store (${this.storeName}) while read`);
    return decode(stored, this.key);
  }

  async replace(files: ReadonlyMap<string, string>): Promise<void> {
    await callEtcd('sharing the CA', this.storeName, () => this.client.put(this.key).value(encode(files)).exec());
  }
}

function encode(files: ReadonlyMap<string, string>): Buffer {
  return Buffer.from(JSON.stringify(Object.fromEntries(files)));
}

function decode(value: Buffer, key: string): Map<string, string> {
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    return new Map(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch (error) {
    throw new Error(`${key} in the store is not a JSON object of files`, { cause: error });
  }
}
