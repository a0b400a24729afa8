// One document per name and per scope in a config set: one per kind, namespace and name (as the
// Kubernetes API would insist), one policy of each kind per service, one Sidecar and one
// PeerAuthentication per scope, one MeshConfig. On the way it collects the services Service
// documents declare and the subsets DestinationPolicies declare, which references are checked against.
import type { ConfigError } from './config-error.js';
import type { SourcedDocument } from './config-documents.js';
import { errorAt as at, whereIs as where } from './document-errors.js';
import { appliesToMesh } from './gateway-attachments.js';
import { resolveService } from './service-ref.js';
import { targetOf } from './service-target.js';

export interface UniqueDocuments {
  /** The documents accepted, by kind, namespace and name. */
  byName: Map<string, SourcedDocument>;
  /** The FQDNs of the services Service documents declare. */
  declared: Set<string>;
  /** The subsets each service's DestinationPolicy declares, by FQDN. */
  subsets: Map<string, Set<string>>;
}

/** Checks `documents` for duplicates, adding an error for each to `errors`. */
export function uniqueDocuments(documents: readonly SourcedDocument[], errors: ConfigError[]): UniqueDocuments {
  // One document per kind, namespace and name, as the Kubernetes API would insist.
  const byName = new Map<string, SourcedDocument>();
  // One policy of each kind per service: merging two would make the order of files matter.
  const byHost = new Map<string, SourcedDocument>();
  const declared = new Set<string>();
  const subsets = new Map<string, Set<string>>();
  let meshConfig: SourcedDocument | undefined;
  // One Sidecar per selected service, and one without a selector, per namespace; the same for
  // PeerAuthentication (two for one scope would leave the mode to the order of files).
  const sidecarScopes = new Map<string, SourcedDocument>();
  const peerAuthenticationScopes = new Map<string, SourcedDocument>();
  for (const source of documents) {
    const { kind, metadata } = source.document;
    const key = `${kind}/${metadata.namespace}/${metadata.name}`;
    const first = byName.get(key);
    if (first) {
      errors.push(
        at(source, ['metadata', 'name'], `duplicates the ${kind} of the same namespace and name at ${where(first)}`),
      );
      continue;
    }
    byName.set(key, source);
    // Policies select workloads by labels: no service they must name.
    if (source.document.kind === 'AuthorizationPolicy') continue;
    if (source.document.kind === 'Service') {
      declared.add(resolveService(metadata.name, metadata.namespace).fqdn);
      continue;
    }
    if (source.document.kind === 'Gateway') continue;
    if (source.document.kind === 'Sidecar' || source.document.kind === 'PeerAuthentication') {
      const { document } = source;
      const isSidecar = document.kind === 'Sidecar';
      const selected =
        document.kind === 'Sidecar' ? document.spec.workloadSelector?.service : document.spec.selector?.service;
      const scopes = isSidecar ? sidecarScopes : peerAuthenticationScopes;
      const scope = `${metadata.namespace}/${selected ?? '*'}`;
      const other = scopes.get(scope);
      if (other)
        errors.push(
          at(
            source,
            selected === undefined ? ['spec'] : ['spec', isSidecar ? 'workloadSelector' : 'selector', 'service'],
            `${selected === undefined ? `namespace ${metadata.namespace} already has a ${kind} without ${isSidecar ? 'workloadSelector' : 'selector'}` : `the sidecars of ${selected} are already selected`}: ${other.label} at ${where(other)}; ${isSidecar ? 'put the egress hosts in one document' : 'a scope has one mode'}`,
          ),
        );
      else scopes.set(scope, source);
      continue;
    }
    if (source.document.kind === 'MeshConfig') {
      // Mesh-wide settings: two would leave which one holds to the order of files.
      if (meshConfig)
        errors.push(
          at(
            source,
            ['metadata', 'name'],
            `the mesh already has a MeshConfig: ${meshConfig.label} at ${where(meshConfig)}; a mesh has at most one`,
          ),
        );
      else meshConfig = source;
      continue;
    }
    const target = targetOf(source.document);
    const host = resolveService(target.name, metadata.namespace).fqdn;
    const hostKey = `${kind}/${host}`;
    // A Route for gateways only may share its service with the mesh's Route (gateway-attachments.ts checks its hosts).
    const isPerService = source.document.kind !== 'Route' || appliesToMesh(source.document);
    const other = isPerService ? byHost.get(hostKey) : undefined;
    if (other)
      errors.push(
        at(
          source,
          target.path,
          `${host} already has a ${kind}: ${other.label} at ${where(other)}; put its ${kind === 'ServiceConfig' ? 'parameters' : 'rules'} in one document`,
        ),
      );
    else if (isPerService) byHost.set(hostKey, source);
    if (source.document.kind === 'DestinationPolicy')
      subsets.set(host, new Set((source.document.spec.subsets ?? []).map((subset) => subset.name)));
  }
  return { byName, declared, subsets };
}
