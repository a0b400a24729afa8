// A whole set of config documents, checked together: each document by its kind's schema, then the
// references between them (services, subsets) and duplicates. A set is accepted whole or not at all.
import { formatPath, type ConfigError } from './config-error.js';
import { parseConfigFile, type AnyDocument, type ConfigFile, type SourcedDocument } from './config-documents.js';
import type { DestinationPolicyDocument } from './destination-policy-schema.js';
import { appliesToMesh, attachmentProblems } from './gateway-attachments.js';
import type { GatewayDocument } from './gateway-schema.js';
import { DEFAULT_MESH_SETTINGS, type MeshConfigDocument, type MeshSettings } from './mesh-config-schema.js';
import type { RateLimitDocument } from './rate-limit-schema.js';
import type { RouteDocument } from './route-schema.js';
import { resolveService } from './service-ref.js';
import type { ServiceConfigDocument } from './service-config-schema.js';
import type { ServiceDocument } from './service-schema.js';

/** The validated config translate reads. */
export interface ConfigSet {
  routes: readonly RouteDocument[];
  destinationPolicies: readonly DestinationPolicyDocument[];
  rateLimits: readonly RateLimitDocument[];
  services: readonly ServiceDocument[];
  serviceConfigs: readonly ServiceConfigDocument[];
  gateways: readonly GatewayDocument[];
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
  mesh: DEFAULT_MESH_SETTINGS,
};

/** Documents about one service, named by their target field. */
type ServiceScopedDocument = Exclude<AnyDocument, ServiceDocument | GatewayDocument | MeshConfigDocument>;

/** The field naming the service a document is about: `spec.service` for ServiceConfig, else `spec.host`. */
function targetOf(document: ServiceScopedDocument): { path: PropertyKey[]; name: string } {
  return document.kind === 'ServiceConfig'
    ? { path: ['spec', 'service'], name: document.spec.service }
    : { path: ['spec', 'host'], name: document.spec.host };
}

export interface ValidateOptions {
  /**
   * Whether a service (by FQDN) exists outside the config, i.e. is registered now. Undefined when
   * validating offline: a service no Service document declares is then a note, not an error.
   */
  isRegistered?: (fqdn: string) => boolean;
  /** Offline only: a service no Service document declares is an error rather than a note. */
  requireDeclared?: boolean;
}

export type ValidationResult =
  | { ok: true; config: ConfigSet; documents: SourcedDocument[]; notes: ConfigError[] }
  | { ok: false; errors: ConfigError[]; notes: ConfigError[] };

export function validateConfig(files: readonly ConfigFile[], options: ValidateOptions = {}): ValidationResult {
  const errors: ConfigError[] = [];
  const notes: ConfigError[] = [];
  const documents: SourcedDocument[] = [];
  for (const file of files) {
    const parsed = parseConfigFile(file);
    documents.push(...parsed.documents);
    errors.push(...parsed.errors);
  }
  const at = (source: SourcedDocument, path: PropertyKey[], message: string): ConfigError => ({
    file: source.file,
    line: source.lineOf(path),
    document: source.label,
    path: formatPath(path),
    message,
  });
  const where = (source: SourcedDocument) =>
    `${source.file ?? 'line'}${source.file === undefined ? ' ' : ':'}${source.line}`;

  // One document per kind, namespace and name, as the Kubernetes API would insist.
  const byName = new Map<string, SourcedDocument>();
  // One policy of each kind per service: merging two would make the order of files matter.
  const byHost = new Map<string, SourcedDocument>();
  const declared = new Set<string>();
  const subsets = new Map<string, Set<string>>();
  let meshConfig: SourcedDocument | undefined;
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
    if (source.document.kind === 'Service') {
      declared.add(resolveService(metadata.name, metadata.namespace).fqdn);
      continue;
    }
    if (source.document.kind === 'Gateway') continue;
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

  const checkService = (source: SourcedDocument, path: PropertyKey[], name: string): string => {
    const fqdn = resolveService(name, source.document.metadata.namespace).fqdn;
    if (declared.has(fqdn)) return fqdn;
    if (options.isRegistered === undefined && options.requireDeclared) {
      errors.push(
        at(
          source,
          path,
          `"${name}" (${fqdn}) is not declared by a Service document in these files (the registry is not consulted offline)`,
        ),
      );
    } else if (options.isRegistered === undefined) {
      notes.push(
        at(
          source,
          path,
          `"${name}" (${fqdn}) is not declared by a Service document in these files; not checked offline — the control plane accepts it only if it is registered or declared`,
        ),
      );
    } else if (!options.isRegistered(fqdn)) {
      errors.push(
        at(
          source,
          path,
          `unknown service "${name}" (${fqdn}): no instance is registered and no Service document declares it`,
        ),
      );
    }
    return fqdn;
  };
  const checkSubset = (source: SourcedDocument, path: PropertyKey[], fqdn: string, subset: string | undefined) => {
    if (subset === undefined) return;
    const known = subsets.get(fqdn);
    if (!known?.has(subset)) {
      errors.push(
        at(
          source,
          path,
          `unknown subset "${subset}" of ${fqdn}: ${known ? `its DestinationPolicy declares ${known.size === 0 ? 'no subsets' : [...known].join(', ')}` : 'no DestinationPolicy declares its subsets'}`,
        ),
      );
    }
  };
  for (const source of byName.values()) {
    const document = source.document;
    if (document.kind === 'Service' || document.kind === 'Gateway' || document.kind === 'MeshConfig') continue;
    const target = targetOf(document);
    checkService(source, target.path, target.name);
    if (document.kind !== 'Route') continue;
    document.spec.rules.forEach((rule, ruleIndex) => {
      rule.destinations.forEach((destination, index) => {
        const path = ['spec', 'rules', ruleIndex, 'destinations', index];
        const fqdn = checkService(source, [...path, 'service'], destination.service);
        checkSubset(source, [...path, 'subset'], fqdn, destination.subset);
      });
      if (rule.mirror) {
        const path = ['spec', 'rules', ruleIndex, 'mirror'];
        const fqdn = checkService(source, [...path, 'service'], rule.mirror.service);
        checkSubset(source, [...path, 'subset'], fqdn, rule.mirror.subset);
      }
    });
  }

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
    config: {
      routes: ofKind('Route'),
      destinationPolicies: ofKind('DestinationPolicy'),
      rateLimits: ofKind('RateLimit'),
      services: ofKind('Service'),
      serviceConfigs: ofKind('ServiceConfig'),
      gateways: ofKind('Gateway'),
      mesh: ofKind('MeshConfig')[0]?.spec ?? DEFAULT_MESH_SETTINGS,
    },
  };
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  return errors.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
}
