// The AuthorizationPolicy kind, with Istio's semantics: which callers may do what to the workloads
// it selects (matchLabels on their labels, `app` being the service's name; every workload of its
// namespace without a selector). DENY policies go first; then, if any ALLOW policy selects a
// workload, a request must match one of its rules. Enforced by the destination's sidecar (RBAC).
import { z } from 'zod';
import { documentSchema, headerNameSchema, labelsSchema } from './schema-common.js';

/** Istio's string match: `v` exact, `v*` prefix, `*v` suffix, `*` anything present. */
function wildcardSchema(what: string) {
  return z
    .string()
    .min(1)
    .refine((value) => !value.slice(1, -1).includes('*'), {
      message: `is not a ${what}: "*" may only start or end it (exact, "prefix*", "*suffix" or "*")`,
    });
}

const principalSchema = wildcardSchema('principal (trust-domain/ns/NAMESPACE/sa/ACCOUNT)').refine(
  (value) => !value.startsWith('spiffe://'),
  { message: 'is written without "spiffe://", as Istio does: cluster.local/ns/NAMESPACE/sa/ACCOUNT' },
);
const namespaceSchema = wildcardSchema('namespace');
const pathSchema = wildcardSchema('path').refine((value) => value.startsWith('/') || value.startsWith('*'), {
  message: 'must start with "/" (or "*" for a suffix match)',
});
const methodSchema = z.string().regex(/^[A-Z]+$/, { message: 'is not an HTTP method (GET, POST, …: upper case)' });
// Istio writes ports as strings; numbers are taken too.
const portSchema = z
  .union([z.number(), z.string().regex(/^\d+$/, { message: 'is not a port number' }).transform(Number)])
  .pipe(z.number().int().min(1).max(65535));

const sourceSchema = z.strictObject({
  principals: z.array(principalSchema).min(1).optional(),
  notPrincipals: z.array(principalSchema).min(1).optional(),
  namespaces: z.array(namespaceSchema).min(1).optional(),
  notNamespaces: z.array(namespaceSchema).min(1).optional(),
});

const operationSchema = z.strictObject({
  methods: z.array(methodSchema).min(1).optional(),
  notMethods: z.array(methodSchema).min(1).optional(),
  paths: z.array(pathSchema).min(1).optional(),
  notPaths: z.array(pathSchema).min(1).optional(),
  ports: z.array(portSchema).min(1).optional(),
  notPorts: z.array(portSchema).min(1).optional(),
});

const HEADER_KEY = /^request\.headers\[(.+)\]$/;
/** A `when` condition on a request header, `request.headers[NAME]`: its value is one of `values` (none of `notValues`). */
const conditionSchema = z
  .strictObject({
    key: z.string().transform((key, ctx) => {
      const name = headerNameSchema.safeParse(HEADER_KEY.exec(key)?.[1]);
      if (name.success) return name.data;
      ctx.addIssue({ code: 'custom', message: `is not "request.headers[NAME]", the only key supported` });
      return z.NEVER;
    }),
    values: z.array(z.string()).min(1).optional(),
    notValues: z.array(z.string()).min(1).optional(),
  })
  .refine((condition) => condition.values !== undefined || condition.notValues !== undefined, {
    message: 'needs values or notValues',
  });

const ruleSchema = z.strictObject({
  from: z
    .array(z.strictObject({ source: sourceSchema }))
    .min(1)
    .optional(),
  to: z
    .array(z.strictObject({ operation: operationSchema }))
    .min(1)
    .optional(),
  when: z.array(conditionSchema).min(1).optional(),
});

export const authorizationPolicySpecSchema = z.strictObject({
  selector: z.strictObject({ matchLabels: labelsSchema }).optional(),
  action: z.enum(['ALLOW', 'DENY']).default('ALLOW'),
  // An ALLOW policy without rules allows nothing (denies everything it selects); `[{}]` allows all.
  rules: z.array(ruleSchema).default([]),
});

export const authorizationPolicySchema = documentSchema('AuthorizationPolicy', authorizationPolicySpecSchema);
export type AuthorizationPolicyDocument = z.infer<typeof authorizationPolicySchema>;
export type AuthorizationRule = AuthorizationPolicyDocument['spec']['rules'][number];
export type AuthorizationSource = NonNullable<AuthorizationRule['from']>[number]['source'];
export type AuthorizationOperation = NonNullable<AuthorizationRule['to']>[number]['operation'];
export type AuthorizationCondition = NonNullable<AuthorizationRule['when']>[number];
