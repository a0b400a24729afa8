// Building blocks shared by the kinds' schemas: durations, RE2-compatible regexes, string matchers,
// header names, percentages and the Kubernetes-style envelope (apiVersion, kind, metadata).
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { parseServiceRef } from './service-ref.js';

export const API_VERSION = 'pilotfish.dev/v1';

/** A duration string ("250ms", "2s", "1m"), parsed to milliseconds; zero and negative refused. */
export const durationSchema = z.string().transform((text, ctx) => {
  const parsed = parseDuration(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.ms;
});

/**
 * Why `pattern` is not a regex every proxy can run, or undefined. Envoy and gRPC use RE2, which has
 * no lookaround and no backreferences; our sidecar uses JavaScript's engine, so a pattern must
 * satisfy both.
 */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (error) {
    return `"${pattern}" is not a valid regex: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<'))
        return `"${pattern}" uses a backreference "\\${next}", which RE2 (Envoy, gRPC) does not support`;
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(' && pattern[i + 1] === '?') {
      const group = pattern.slice(i + 2, i + 4);
      if (group.startsWith('=') || group.startsWith('!') || group === '<=' || group === '<!') {
        return `"${pattern}" uses lookaround "${pattern.slice(i, i + 2 + (group.startsWith('<') ? 2 : 1))}", which RE2 (Envoy, gRPC) does not support`;
      }
    }
  }
  return undefined;
}

export const regexSchema = z.string().superRefine((pattern, ctx) => {
  const problem = regexProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An object with exactly one of `keys` set: the oneof fields of a matcher. */
function exactlyOne<T extends Record<string, unknown>>(keys: readonly string[]) {
  return (value: T, ctx: z.RefinementCtx) => {
    const set = keys.filter((key) => value[key] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          set.length === 0
            ? `needs one of ${keys.join(', ')}`
            : `sets ${set.join(' and ')}; choose one of ${keys.join(', ')}`,
      });
    }
  };
}

/** A path match: exact, prefix or regex. */
export const pathMatchSchema = z
  .strictObject({
    exact: z.string().startsWith('/').optional(),
    prefix: z.string().startsWith('/').optional(),
    regex: regexSchema.optional(),
  })
  .superRefine(exactlyOne(['exact', 'prefix', 'regex']));
export type PathMatch = z.infer<typeof pathMatchSchema>;

/** A header value match: exact, prefix or regex, or only that the header is present. */
export const headerMatchSchema = z
  .strictObject({
    exact: z.string().optional(),
    prefix: z.string().optional(),
    regex: regexSchema.optional(),
    present: z.literal(true).optional(),
  })
  .superRefine(exactlyOne(['exact', 'prefix', 'regex', 'present']));
export type HeaderMatch = z.infer<typeof headerMatchSchema>;

/** A query parameter match: exact or regex, or only that it is present. */
export const queryMatchSchema = z
  .strictObject({ exact: z.string().optional(), regex: regexSchema.optional(), present: z.literal(true).optional() })
  .superRefine(exactlyOne(['exact', 'regex', 'present']));
export type QueryMatch = z.infer<typeof queryMatchSchema>;

// RFC 9110 token characters; no ':' so pseudo-headers cannot be named.
export const headerNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'is not an HTTP header name' })
  .transform((name) => name.toLowerCase());

/** A percentage of requests, 0–100, fractions allowed (0.1 is one in a thousand). */
export const percentSchema = z.number().min(0).max(100);

export const positiveIntSchema = z.number().int().positive();

/** A service reference; checked here for form, against known services by the config set. */
export const serviceNameSchema = z.string().superRefine((host, ctx) => {
  const ref = parseServiceRef(host, 'default');
  if ('error' in ref) ctx.addIssue({ code: 'custom', message: ref.error });
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsLabel = z
  .string()
  .regex(DNS_LABEL, { message: 'is not a DNS label (lowercase letters, digits and "-", at most 63)' });
export const subsetNameSchema = dnsLabel;

export const metadataSchema = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel.default('default'),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type Metadata = z.infer<typeof metadataSchema>;

/** A document of `kind` whose spec is `spec`. */
export function documentSchema<K extends string, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({ apiVersion: z.literal(API_VERSION), kind: z.literal(kind), metadata: metadataSchema, spec });
}

/** Instance labels a subset selects. */
export const labelsSchema = z.record(z.string().min(1), z.string());
