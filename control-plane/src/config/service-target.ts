// The service a document is about, named by its target field: `spec.service` for ServiceConfig,
// else `spec.host`; the documents that have none select workloads or configure the mesh.
import type { AuthorizationPolicyDocument } from './authorization-policy-schema.js';
import type { AnyDocument } from './config-documents.js';
import type { GatewayDocument } from './gateway-schema.js';
import type { MeshConfigDocument } from './mesh-config-schema.js';
import type { PeerAuthenticationDocument } from './peer-authentication-schema.js';
import type { ServiceDocument } from './service-schema.js';
import type { SidecarDocument } from './sidecar-schema.js';

/** Documents about one service, named by their target field. */
export type ServiceScopedDocument = Exclude<
  AnyDocument,
  | ServiceDocument
  | GatewayDocument
  | MeshConfigDocument
  | SidecarDocument
  | PeerAuthenticationDocument
  | AuthorizationPolicyDocument
>;

/** The field naming the service a document is about: `spec.service` for ServiceConfig, else `spec.host`. */
export function targetOf(document: ServiceScopedDocument): { path: PropertyKey[]; name: string } {
  return document.kind === 'ServiceConfig'
    ? { path: ['spec', 'service'], name: document.spec.service }
    : { path: ['spec', 'host'], name: document.spec.host };
}
