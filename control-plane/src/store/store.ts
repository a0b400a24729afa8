// The control plane's state behind one interface: the registry's instances and leases, and the config
// versions with their history, and the CA's files. Memory is the embedded default; etcd lets replicas
// share the state.
import type { RegistryStore } from '../registry/registry-store.js';
import type { ConfigLog } from './config-log.js';
import type { SharedFiles } from './shared-files.js';

export interface Store {
  /** `memory`, or the etcd endpoints, for logs and errors. */
  readonly name: string;
  readonly registry: RegistryStore;
  readonly configLog: ConfigLog;
  /**
   * Whether the state starts empty at every start (memory): instances come back as sidecars register
   * again, so the xDS warm-up holds their endpoint sets meanwhile. A durable store opens complete.
   */
  readonly isEmptyAtStart: boolean;
  /** The CA's files, shared by the replicas of a durable store; absent on memory (one control plane). */
  readonly caFiles?: SharedFiles;
  close(): Promise<void>;
}
