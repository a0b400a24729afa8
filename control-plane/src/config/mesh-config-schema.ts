// The MeshConfig kind: settings every sidecar of the mesh shares, as Istio's MeshConfig — the share
// of requests that start a trace, and whether each request writes an access-log line. At most one
// per mesh; without one, the defaults hold.
import { z } from 'zod';
import { documentSchema, percentSchema } from './schema-common.js';

/** Istio's default: one request in a hundred starts a trace (a caller's sampled trace is always continued). */
export const DEFAULT_TRACE_SAMPLING_PERCENT = 1;

export const meshConfigSpecSchema = z.strictObject({
  tracing: z
    .strictObject({ sampling: percentSchema.default(DEFAULT_TRACE_SAMPLING_PERCENT) })
    .default({ sampling: DEFAULT_TRACE_SAMPLING_PERCENT }),
  accessLog: z.strictObject({ enabled: z.boolean() }).default({ enabled: false }),
});

export const meshConfigSchema = documentSchema(
  'MeshConfig',
  meshConfigSpecSchema.default({
    tracing: { sampling: DEFAULT_TRACE_SAMPLING_PERCENT },
    accessLog: { enabled: false },
  }),
);
export type MeshConfigDocument = z.infer<typeof meshConfigSchema>;
export type MeshSettings = MeshConfigDocument['spec'];

/** What holds while no MeshConfig document exists. */
export const DEFAULT_MESH_SETTINGS: MeshSettings = {
  tracing: { sampling: DEFAULT_TRACE_SAMPLING_PERCENT },
  accessLog: { enabled: false },
};
