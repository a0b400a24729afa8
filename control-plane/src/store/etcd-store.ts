// The etcd store: replicas share the registry and the config through etcd. Opening reads everything
// under the prefix at one revision and then follows it (etcd-follower.ts), so a replica's view is
// complete before it serves anything and then follows every change any replica makes.
import type { Logger } from 'pino';
import type { RegistryOptions } from '../registry/registry-store.js';
import { createEtcdClient, type EtcdConnection } from './etcd-client.js';
import { EtcdConfigLog } from './etcd-config-log.js';
import { EtcdFollower, type StoreView } from './etcd-follower.js';
import { EtcdRegistry } from './etcd-registry.js';
import { EtcdSharedFiles } from './etcd-shared-files.js';
import type { SharedFiles } from './shared-files.js';
import type { Store } from './store.js';

export const ETCD_PREFIX = '/pilotfish/';

export interface EtcdStoreOptions extends EtcdConnection {
  registry: RegistryOptions;
  /** How many config versions the history keeps. */
  historyLimit: number;
  logger: Logger;
}

const CA_FILES_KEY = `${ETCD_PREFIX}ca/files`;

/** The CA's files in etcd alone (nothing else read), for `pilotfish ca` steps on replicas sharing it. */
export function openEtcdCaFiles(connection: EtcdConnection): { files: SharedFiles; close(): void } {
  const client = createEtcdClient(connection);
  return { files: new EtcdSharedFiles(client, CA_FILES_KEY, storeName(connection)), close: () => client.close() };
}

function storeName(connection: EtcdConnection): string {
  return `etcd ${connection.endpoints.join(',')}`;
}

export async function openEtcdStore(options: EtcdStoreOptions): Promise<Store> {
  const { logger } = options;
  const name = storeName(options);
  const client = createEtcdClient(options);
  const registry = new EtcdRegistry(client, `${ETCD_PREFIX}registry/`, { ...options.registry, storeName: name });
  const configLog = new EtcdConfigLog(client, `${ETCD_PREFIX}config/`, {
    historyLimit: options.historyLimit,
    storeName: name,
  });
  const view: StoreView = {
    apply(type, kv, how) {
      const key = kv.key.toString('utf8');
      try {
        if (key.startsWith(registry.prefix)) {
          if (type === 'put') registry.applyPut(kv);
          else registry.applyDelete(kv);
        } else if (key.startsWith(configLog.prefix)) {
          if (type === 'put') configLog.applyPut(kv, how);
          else configLog.applyDelete(kv);
        }
      } catch (error) {
        // A value this version cannot read (written by hand, or by another version) is skipped, not fatal.
        logger.error({ err: error, key, revision: kv.mod_revision }, 'cannot read a key of the store; skipped');
      }
    },
    dropAbsent(present, revision) {
      registry.dropAbsent(present, revision);
      configLog.dropAbsent(present);
    },
  };
  const follower = new EtcdFollower(client, ETCD_PREFIX, view, { storeName: name, logger });
  let revision: number;
  try {
    revision = await follower.start();
  } catch (error) {
    client.close();
    throw error;
  }
  logger.info({ store: name, instances: registry.size, revision }, 'store loaded');
  return {
    name,
    registry,
    configLog,
    isEmptyAtStart: false,
    caFiles: new EtcdSharedFiles(client, CA_FILES_KEY, name),
    async close() {
      registry.close();
      await follower.close();
      client.close();
    },
  };
}
