// How compile says no: an XdsConfigError (the NACK's error_detail) naming the resource, the field
// path and the reason; and the fields this sidecar does not honour yet, rejected by name rather
// than served without them. A feature's issue removes its field from its table.
import { XdsConfigError } from './resource-set.js';

/** `Cluster "backend.default.svc.cluster.local"`: the resource type and name that open a message. */
export type ResourceRef = string;

export function configError(resource: ResourceRef, path: string, reason: string): XdsConfigError {
  return new XdsConfigError(`${resource}: ${path}: ${reason}`);
}

/** Field name → what it would need. */
export type UnsupportedFields = ReadonlyArray<readonly [field: string, feature: string]>;

/** Throws for the first field of `message` in `fields` that is set. */
export function rejectUnsupported(
  resource: ResourceRef,
  path: string,
  message: object,
  fields: UnsupportedFields,
): void {
  for (const [field, feature] of fields) {
    if (isSet((message as Record<string, unknown>)[field])) {
      throw configError(
        resource,
        path === '' ? field : `${path}.${field}`,
        `not supported by this sidecar yet (${feature})`,
      );
    }
  }
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  // Decoded repeated fields are [] when absent; a present message counts even when empty
  // (an empty outlier_detection turns ejection on with defaults).
  return !Array.isArray(value) || value.length > 0;
}
