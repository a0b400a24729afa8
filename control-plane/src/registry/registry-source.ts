// Where the control plane learns of services and instances: the Registry API (leases) and, in a
// cluster, Kubernetes. Each source implements this; `RegistrySources` merges them for translate.
import type { ServiceView } from './service-view.js';

export interface RegistrySource {
  /** Bumped on every change this source makes. */
  readonly revision: number;
  /** Services with their instances, sorted by namespace then name; one namespace when given. */
  services(namespace?: string): ServiceView[];
  /** Calls `listener` after every change from now on; returns the function that stops it. */
  onChange(listener: () => void): () => void;
}
