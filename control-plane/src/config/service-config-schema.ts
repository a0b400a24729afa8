// The ServiceConfig kind: runtime parameters of one service (switches, quotas, feature flags) that
// its sidecars serve to the app on GET /v1/config, changed without a redeploy. Subsets override
// the base parameters for instances whose labels match.
import { z } from 'zod';
import { documentSchema, labelsSchema, serviceNameSchema } from './schema-common.js';

/** Why `value` (at `path` below the field) cannot travel as JSON, or undefined. */
function jsonProblem(value: unknown, path: PropertyKey[]): { path: PropertyKey[]; message: string } | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    // YAML's .inf and .nan have no JSON spelling (nor a google.protobuf.Value one that apps read).
    return Number.isFinite(value) ? undefined : { path, message: `${String(value)} is not a JSON number` };
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = jsonProblem(item, [...path, index]);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      const problem = jsonProblem(item, [...path, key]);
      if (problem) return problem;
    }
    return undefined;
  }
  return { path, message: `is not a JSON value (${value instanceof Date ? 'a date; quote it' : typeof value})` };
}

/** Parameter names to any JSON value. */
export const parametersSchema = z.record(z.string().min(1), z.unknown()).superRefine((parameters, ctx) => {
  for (const [key, value] of Object.entries(parameters)) {
    const problem = jsonProblem(value, [key]);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  }
});
export type Parameters = z.infer<typeof parametersSchema>;

export const serviceConfigSpecSchema = z.strictObject({
  service: serviceNameSchema,
  parameters: parametersSchema,
  subsets: z
    .array(
      z.strictObject({
        labels: labelsSchema.refine((labels) => Object.keys(labels).length > 0, {
          message:
            'needs at least one label (a subset without labels would match every instance; put those in parameters)',
        }),
        parameters: parametersSchema,
      }),
    )
    .optional(),
});

export const serviceConfigSchema = documentSchema('ServiceConfig', serviceConfigSpecSchema);
export type ServiceConfigDocument = z.infer<typeof serviceConfigSchema>;
