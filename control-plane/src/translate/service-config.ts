// ServiceConfig documents as pilotfish.v1.ServiceConfig resources, one per service, named by its
// FQDN. Subsets travel as written: each sidecar resolves them for its own labels.
import type { ServiceConfig } from '../../../proto/gen/pilotfish/v1/ServiceConfig.js';
import { objectToStruct } from '../../../proto/xds.js';
import type { ServiceConfigDocument } from '../config/service-config-schema.js';
import { resolveService } from '../config/service-ref.js';

/** The resource name of a service's ServiceConfig: the service FQDN (as the sidecar subscribes). */
export function serviceConfigName(document: ServiceConfigDocument): string {
  return resolveService(document.spec.service, document.metadata.namespace).fqdn;
}

export function serviceConfigResource(document: ServiceConfigDocument): ServiceConfig {
  return {
    name: serviceConfigName(document),
    parameters: objectToStruct(sortedKeys(document.spec.parameters) as Record<string, unknown>),
    subsets: (document.spec.subsets ?? []).map((subset) => ({
      labels: sortedKeys(subset.labels) as Record<string, string>,
      parameters: objectToStruct(sortedKeys(subset.parameters) as Record<string, unknown>),
    })),
  };
}

// Keys in a fixed order, at every depth: reordering a YAML mapping changes no version.
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}
