// A whole set of config documents, checked together: each document by its kind's schema, then the
// references between them (services, subsets: service-references.ts), duplicates
// (document-uniqueness.ts) and gateway attachments. A set is accepted whole or not at all.
import type { AuthorizationPolicyDocument } from './authorization-policy-schema.js';
import type { ConfigError } from './config-error.js';
import { parseConfigFile, type AnyDocument, type ConfigFile, type SourcedDocument } from './config-documents.js';
import type { DestinationPolicyDocument } from './destination-policy-schema.js';
import { errorAt as at } from './document-errors.js';
import { uniqueDocuments } from './document-uniqueness.js';
import { attachmentProblems } from './gateway-attachments.js';
import type { GatewayDocument } from './gateway-schema.js';
import { DEFAULT_MESH_SETTINGS, type MeshSettings } from './mesh-config-schema.js';
import type { RateLimitDocument } from './rate-limit-schema.js';
import type { RouteDocument } from './route-schema.js';
import type { ServiceConfigDocument } from './service-config-schema.js';
import { checkReferences } from './service-references.js';
import type { ServiceDocument } from './service-schema.js';
import type { PeerAuthenticationDocument } from './peer-authentication-schema.js';
import type { SidecarDocument } from './sidecar-schema.js';
import type { UndeclaredReference, ValidateOptions } from './validate-options.js';

/** The validated config translate reads. */
export interface ConfigSet {
  routes: readonly RouteDocument[];
  destinationPolicies: readonly DestinationPolicyDocument[];
  rateLimits: readonly RateLimitDocument[];
  services: readonly ServiceDocument[];
  serviceConfigs: readonly ServiceConfigDocument[];
  gateways: readonly GatewayDocument[];
  sidecars: readonly SidecarDocument[];
  peerAuthentications: readonly PeerAuthenticationDocument[];
  authorizationPolicies: readonly AuthorizationPolicyDocument[];
  /** The MeshConfig document's settings, or the defaults without one. */
  mesh: MeshSettings;
}

export const EMPTY_CONFIG_SET: ConfigSet = {
  routes: [],
  destinationPolicies: [],
  rateLimits: [],
  services: [],
  serviceConfigs: [],
  gateways: [],
  sidecars: [],
  peerAuthentications: [],
  authorizationPolicies: [],
  mesh: DEFAULT_MESH_SETTINGS,
};

export type ValidationResult =
  | {
      ok: true;
      config: ConfigSet;
      documents: SourcedDocument[];
      notes: ConfigError[];
      undeclared: UndeclaredReference[];
    }
  | { ok: false; errors: ConfigError[]; notes: ConfigError[] };

export function validateConfig(files: readonly ConfigFile[], options: ValidateOptions = {}): ValidationResult {
  const errors: ConfigError[] = [];
  const notes: ConfigError[] = [];
  const undeclared: UndeclaredReference[] = [];
  const documents: SourcedDocument[] = [];
  for (const file of files) {
    const parsed = parseConfigFile(file);
    documents.push(...parsed.documents);
    errors.push(...parsed.errors);
  }
  const unique = uniqueDocuments(documents, errors);
  const { byName } = unique;
  checkReferences(unique, options, { errors, notes, undeclared });

  const sources = new Map([...byName.values()].map((source) => [source.document, source]));
  const gateways = new Map(
    [...sources.keys()].flatMap((document) =>
      document.kind === 'Gateway'
        ? [[`${document.metadata.namespace}/${document.metadata.name}`, document] as const]
        : [],
    ),
  );
  const routes = [...sources.keys()].filter((document): document is RouteDocument => document.kind === 'Route');
  for (const problem of attachmentProblems(routes, gateways))
    errors.push(at(sources.get(problem.route) as SourcedDocument, problem.path, problem.message));

  if (errors.length > 0) return { ok: false, errors: sortErrors(errors), notes };
  const accepted = [...byName.values()];
  const ofKind = <K extends AnyDocument['kind']>(kind: K) =>
    accepted
      .map((source) => source.document)
      .filter((document): document is Extract<AnyDocument, { kind: K }> => document.kind === kind);
  return {
    ok: true,
    documents: accepted,
    notes,
    undeclared,
    config: {
      routes: ofKind('Route'),
      destinationPolicies: ofKind('DestinationPolicy'),
      rateLimits: ofKind('RateLimit'),
      services: ofKind('Service'),
      serviceConfigs: ofKind('ServiceConfig'),
      gateways: ofKind('Gateway'),
      sidecars: ofKind('Sidecar'),
      peerAuthentications: ofKind('PeerAuthentication'),
      authorizationPolicies: ofKind('AuthorizationPolicy'),
      mesh: ofKind('MeshConfig')[0]?.spec ?? DEFAULT_MESH_SETTINGS,
    },
  };
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  return errors.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
}
