// Which registered workloads have ended for good. Only a source that sees workloads run (Kubernetes
// pods and their container statuses) can tell; the Registry API's own instances never end this way.

export interface WorkloadEnds {
  /** Why the workload behind instance `instanceId` of `namespace` has ended, or undefined. */
  workloadEnded(namespace: string, instanceId: string): string | undefined;
}
