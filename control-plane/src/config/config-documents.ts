// Reads YAML config text into documents of known kinds, each checked by its kind's schema. Every
// problem becomes a ConfigError with the line of the field at fault, found in the YAML source.
import { LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { documentLabel, formatPath, type ConfigError } from './config-error.js';
import { firstDuplicateKey } from './duplicate-keys.js';
import { fieldLines, lineOfField } from './field-lines.js';
import { authorizationPolicySchema, type AuthorizationPolicyDocument } from './authorization-policy-schema.js';
import { destinationPolicySchema, type DestinationPolicyDocument } from './destination-policy-schema.js';
import { gatewaySchema, type GatewayDocument } from './gateway-schema.js';
import { meshConfigSchema, type MeshConfigDocument } from './mesh-config-schema.js';
import { peerAuthenticationSchema, type PeerAuthenticationDocument } from './peer-authentication-schema.js';
import { rateLimitSchema, type RateLimitDocument } from './rate-limit-schema.js';
import { routeSchema, type RouteDocument } from './route-schema.js';
import { KINDS, type Kind } from './kinds.js';
import { API_VERSION } from './schema-common.js';
import { serviceConfigSchema, type ServiceConfigDocument } from './service-config-schema.js';
import { serviceSchema, type ServiceDocument } from './service-schema.js';
import { sidecarSchema, type SidecarDocument } from './sidecar-schema.js';

export const KIND_SCHEMAS = {
  Route: routeSchema,
  DestinationPolicy: destinationPolicySchema,
  RateLimit: rateLimitSchema,
  Service: serviceSchema,
  ServiceConfig: serviceConfigSchema,
  MeshConfig: meshConfigSchema,
  Gateway: gatewaySchema,
  Sidecar: sidecarSchema,
  PeerAuthentication: peerAuthenticationSchema,
  AuthorizationPolicy: authorizationPolicySchema,
} as const satisfies Record<Kind, z.ZodType>;

/** A document larger than this is refused unread: config is policy, not data. */
const MAX_DOCUMENT_CHARS = 1024 * 1024;
/** Alias expansions per document: enough for shared anchors, far too few for an alias bomb. */
const MAX_ALIAS_COUNT = 100;
export { KINDS };

export type AnyDocument =
  | RouteDocument
  | DestinationPolicyDocument
  | RateLimitDocument
  | ServiceDocument
  | ServiceConfigDocument
  | MeshConfigDocument
  | GatewayDocument
  | SidecarDocument
  | PeerAuthenticationDocument
  | AuthorizationPolicyDocument;

/** A validated document and where it came from. */
export interface SourcedDocument<D extends AnyDocument = AnyDocument> {
  document: D;
  /** The document as written (durations as strings): what /debug/config shows. */
  source: unknown;
  file?: string;
  line: number;
  label: string;
  /** The line of each field, by path: read with lineOfField(). */
  lines: ReadonlyMap<string, number>;
}

export interface ConfigFile {
  /** The name to show in messages (the file's base name in a config folder). */
  name?: string;
  text: string;
  /** Why the file was not read (too large): the file is rejected with this. */
  problem?: string;
  /** The file parsed already (by the parse worker). */
  parsed?: ParsedConfigFile;
}

export interface ParsedConfigFile {
  documents: SourcedDocument[];
  errors: ConfigError[];
}

/** The documents of one file; a document with problems yields errors instead. */
export function parseConfigFile(file: ConfigFile): ParsedConfigFile {
  if (file.parsed !== undefined) return file.parsed;
  const lineCounter = new LineCounter();
  const documents: SourcedDocument[] = [];
  const errors: ConfigError[] = [];
  if (file.problem !== undefined) return { documents, errors: [{ file: file.name, message: file.problem }] };
  // Duplicate keys are found below, in one pass (yaml's check is quadratic in a map's size).
  const parsed = parseAllDocuments(file.text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (!Array.isArray(parsed)) return { documents, errors };
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  parsed.forEach((yamlDocument, index) => {
    const start = lineAt(yamlDocument.contents?.range?.[0] ?? yamlDocument.range[0]);
    if (yamlDocument.errors.length > 0) {
      for (const error of yamlDocument.errors) {
        const line = error.linePos?.[0]?.line ?? lineAt(error.pos[0]);
        errors.push({ file: file.name, line, message: `not valid YAML: ${error.message.split('\n')[0]}` });
      }
      return;
    }
    // An empty document (a stray `---`) holds nothing.
    if (yamlDocument.contents === null) return;
    const duplicate = firstDuplicateKey(yamlDocument);
    if (duplicate !== undefined) {
      errors.push({ file: file.name, line: lineAt(duplicate), message: 'not valid YAML: Map keys must be unique' });
      return;
    }
    const size = yamlDocument.range[2] - yamlDocument.range[0];
    if (size > MAX_DOCUMENT_CHARS) {
      errors.push({
        file: file.name,
        line: start,
        document: `document ${index + 1}`,
        message: `is ${(size / MAX_DOCUMENT_CHARS).toFixed(1)} MiB; a document may hold at most 1 MiB`,
      });
      return;
    }
    const lines = fieldLines(yamlDocument, lineAt);
    const lineOf = (path: ReadonlyArray<PropertyKey>) => lineOfField({ line: start, lines }, path);
    const fail = (message: string, path: PropertyKey[] = [], label?: string) =>
      errors.push({
        file: file.name,
        line: lineOf(path),
        document: label ?? `document ${index + 1}`,
        path: formatPath(path),
        message,
      });
    let source: unknown;
    try {
      source = yamlDocument.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // yaml throws a ReferenceError when aliases expand past the limit (a "billion laughs" document).
      const isAliasBomb = error instanceof ReferenceError;
      errors.push({
        file: file.name,
        line: isAliasBomb ? lineAt(firstAliasOffset(yamlDocument) ?? yamlDocument.range[0]) : start,
        document: labelOf(yamlDocument) ?? `document ${index + 1}`,
        message: isAliasBomb
          ? `not valid config: its aliases expand too much (at most ${MAX_ALIAS_COUNT} alias expansions per document)`
          : `not valid YAML: ${String(error)}`,
      });
      return;
    }
    if (source === null || typeof source !== 'object' || Array.isArray(source)) {
      fail('is not a mapping with apiVersion, kind, metadata and spec');
      return;
    }
    const { apiVersion, kind, metadata } = source as Record<string, unknown>;
    const name =
      typeof (metadata as { name?: unknown } | undefined)?.name === 'string'
        ? (metadata as { name: string }).name
        : undefined;
    const namespace =
      typeof (metadata as { namespace?: unknown } | undefined)?.namespace === 'string'
        ? (metadata as { namespace: string }).namespace
        : 'default';
    const label = typeof kind === 'string' && name !== undefined ? documentLabel(kind, namespace, name) : undefined;
    if (apiVersion !== API_VERSION) {
      fail(
        apiVersion === undefined
          ? `is required: ${API_VERSION}`
          : `${JSON.stringify(apiVersion)} is not supported; use ${API_VERSION}`,
        ['apiVersion'],
        label,
      );
      return;
    }
    if (typeof kind !== 'string' || !(KINDS as string[]).includes(kind)) {
      fail(
        kind === undefined
          ? `is required: one of ${KINDS.join(', ')}`
          : `${JSON.stringify(kind)} is not a kind this control plane knows (${KINDS.join(', ')})`,
        ['kind'],
        label,
      );
      return;
    }
    const result = (KIND_SCHEMAS[kind as Kind] as z.ZodType).safeParse(source, { reportInput: true });
    if (!result.success) {
      for (const issue of result.error.issues) {
        for (const [path, message] of describeIssue(issue)) fail(message, path, label);
      }
      return;
    }
    documents.push({
      document: result.data as AnyDocument,
      source,
      file: file.name,
      line: start,
      label: label as string,
      lines,
    });
  });
  return { documents, errors };
}

/** The document's label from its syntax tree, for a document that cannot be turned into data. */
function labelOf(document: Document): string | undefined {
  const kind = document.get('kind');
  const name = document.getIn(['metadata', 'name']);
  const namespace = document.getIn(['metadata', 'namespace']) ?? 'default';
  return typeof kind === 'string' && typeof name === 'string' && typeof namespace === 'string'
    ? documentLabel(kind, namespace, name)
    : undefined;
}

function firstAliasOffset(document: Document): number | undefined {
  let offset: number | undefined;
  visit(document, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

/** Each issue as (field path, reason) pairs in our words; nested union and key issues unfolded. */
function describeIssue(issue: z.core.$ZodIssue): Array<[PropertyKey[], string]> {
  const path = [...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => [[...path, key], 'is not a known field']);
    case 'invalid_type':
      return [
        [
          path,
          issue.input === undefined
            ? 'is required'
            : `must be ${article(issue.expected)}, got ${typeName(issue.input)}`,
        ],
      ];
    case 'invalid_value':
      return [
        [
          path,
          issue.values.length === 1
            ? `must be ${JSON.stringify(issue.values[0])}${issue.input === undefined ? '' : `, got ${JSON.stringify(issue.input)}`}`
            : `must be one of ${issue.values.map(String).join(', ')}, got ${JSON.stringify(issue.input)}`,
        ],
      ];
    case 'invalid_key':
      return issue.issues.map((inner) => [path, `key ${JSON.stringify(issue.input)} ${simpleMessage(inner)}`]);
    case 'too_small':
      return [
        [
          path,
          issue.origin === 'array'
            ? `needs at least ${issue.minimum} ${Number(issue.minimum) === 1 ? 'entry' : 'entries'}`
            : issue.origin === 'string'
              ? `must not be empty`
              : `must be ${issue.inclusive ? 'at least' : 'above'} ${issue.minimum}`,
        ],
      ];
    case 'too_big':
      return [
        [
          path,
          issue.origin === 'array'
            ? `has more than ${issue.maximum} entries`
            : `must be ${issue.inclusive ? 'at most' : 'below'} ${issue.maximum}`,
        ],
      ];
    default:
      return [[path, simpleMessage(issue)]];
  }
}

function simpleMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_format' && issue.format === 'starts_with')
    return `must start with "${(issue as { prefix?: string }).prefix ?? ''}"`;
  if (issue.code === 'invalid_format' && issue.format === 'regex')
    return issue.message.startsWith('Invalid')
      ? `does not match ${(issue as { pattern?: string }).pattern}`
      : issue.message;
  if (issue.code === 'not_multiple_of') return `must be a multiple of ${issue.divisor}`;
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'must be a whole number';
  return issue.message;
}

function article(expected: string): string {
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
