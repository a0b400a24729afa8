// The references between a config set's documents: each service a document is about or routes to
// (or mirrors to) is declared by a Service document, else a note (online: unless registered; offline:
// an error when declarations are required), and each subset a route names is one its service's
// DestinationPolicy declares.
import type { ConfigError } from './config-error.js';
import type { SourcedDocument } from './config-documents.js';
import { errorAt as at } from './document-errors.js';
import { resolveService } from './service-ref.js';
import { targetOf } from './service-target.js';
import type { UniqueDocuments } from './document-uniqueness.js';
import type { UndeclaredReference, ValidateOptions } from './validate-options.js';

export interface ReferenceFindings {
  errors: ConfigError[];
  notes: ConfigError[];
  undeclared: UndeclaredReference[];
}

/** Checks the references of the documents in `byName`, adding what it finds to `findings`. */
export function checkReferences(
  { byName, declared, subsets }: UniqueDocuments,
  options: ValidateOptions,
  { errors, notes, undeclared }: ReferenceFindings,
): void {
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
    } else {
      const note = at(
        source,
        path,
        `no instance of "${name}" (${fqdn}) is registered and no Service document declares it: requests to it get 503 until one registers`,
      );
      undeclared.push({ fqdn, note });
      if (!options.isRegistered(fqdn)) notes.push(note);
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
    if (
      document.kind === 'Service' ||
      document.kind === 'Gateway' ||
      document.kind === 'MeshConfig' ||
      document.kind === 'Sidecar' ||
      document.kind === 'PeerAuthentication' ||
      document.kind === 'AuthorizationPolicy'
    )
      continue;
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
}
