// The MeshConfig kind: settings every sidecar of the mesh shares, as Istio's MeshConfig — the share
// of requests that start a trace, whether each request writes an access-log line, how requests
// are retried where no Route rule says otherwise, where intercepted traffic to a destination
// outside the registry goes, and what each sidecar listener takes from its clients. At most one
// per mesh; without one, the defaults hold.
import { z } from 'zod';
import { DEFAULT_LISTENER_LIMITS, MAX_REQUEST_HEADERS_LIMIT } from '../../../shared/listener-limits.js';
import { DEFAULT_MESH_RETRIES, retriesSchema } from './retries-schema.js';
import { documentSchema, durationSchema, percentSchema } from './schema-common.js';

/** Istio's default: one request in a hundred starts a trace (a caller's sampled trace is always continued). */
export const DEFAULT_TRACE_SAMPLING_PERCENT = 1;

// What each sidecar listener takes from its clients (shared/listener-limits.ts).
const LISTENER_LIMITS = {
  maxConnections: DEFAULT_LISTENER_LIMITS.maxConnections,
  requestHeadersTimeout: DEFAULT_LISTENER_LIMITS.requestHeadersTimeoutMs,
  maxRequestHeaders: DEFAULT_LISTENER_LIMITS.maxRequestHeaders,
};
const listenerLimitsSchema = z.strictObject({
  maxConnections: z.number().int().min(1).default(LISTENER_LIMITS.maxConnections),
  requestHeadersTimeout: durationSchema.default(LISTENER_LIMITS.requestHeadersTimeout),
  maxRequestHeaders: z.number().int().min(1).max(MAX_REQUEST_HEADERS_LIMIT).default(LISTENER_LIMITS.maxRequestHeaders),
});
export type ListenerLimitsSpec = z.infer<typeof listenerLimitsSchema>;

/** What holds while no MeshConfig document exists. */
export const DEFAULT_MESH_SETTINGS = {
  tracing: { sampling: DEFAULT_TRACE_SAMPLING_PERCENT },
  accessLog: { enabled: false },
  defaultRetries: DEFAULT_MESH_RETRIES,
  listenerLimits: LISTENER_LIMITS,
  outboundTrafficPolicy: { mode: 'ALLOW_ANY' as const },
};

export const meshConfigSpecSchema = z.strictObject({
  tracing: z
    .strictObject({ sampling: percentSchema.default(DEFAULT_TRACE_SAMPLING_PERCENT) })
    .default(DEFAULT_MESH_SETTINGS.tracing),
  accessLog: z.strictObject({ enabled: z.boolean() }).default(DEFAULT_MESH_SETTINGS.accessLog),
  // Istio's defaultHttpRetryPolicy; `attempts: 0` turns default retries off.
  defaultRetries: retriesSchema.default(DEFAULT_MESH_RETRIES),
  listenerLimits: listenerLimitsSchema.default(LISTENER_LIMITS),
  // Istio's: ALLOW_ANY passes a destination no service owns through unchanged; REGISTRY_ONLY refuses it.
  outboundTrafficPolicy: z
    .strictObject({ mode: z.enum(['ALLOW_ANY', 'REGISTRY_ONLY']) })
    .default(DEFAULT_MESH_SETTINGS.outboundTrafficPolicy),
});

export const meshConfigSchema = documentSchema('MeshConfig', meshConfigSpecSchema.default(DEFAULT_MESH_SETTINGS));
export type MeshConfigDocument = z.infer<typeof meshConfigSchema>;
export type MeshSettings = MeshConfigDocument['spec'];
