// How a request is retried, as a Route rule or the MeshConfig default says: how many retries, on
// which outcomes (Envoy's retry_on names, or HTTP status codes as Istio's retryOn takes them), with
// what backoff, and whether a non-idempotent request may be sent again.
import { z } from 'zod';
import { durationSchema } from './schema-common.js';

/** Envoy's gRPC retry_on names: the grpc-status of a trailers-only answer. */
export const GRPC_RETRY_ON = [
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;
/** The retry conditions the mesh's proxies know (Envoy's retry_on names). */
export const RETRY_ON = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'refused-stream',
  'retriable-4xx',
  ...GRPC_RETRY_ON,
] as const;

/** A retry_on name, or an HTTP status code (Envoy's retriable_status_codes). */
const retryOnSchema = z.union([z.enum(RETRY_ON), z.number().int().min(400).max(599)], {
  error: (issue) =>
    `must be one of ${RETRY_ON.join(', ')}, or an HTTP status code from 400 to 599, got ${JSON.stringify(issue.input)}`,
});

export const retriesSchema = z
  .strictObject({
    attempts: z.number().int().min(0).max(10),
    perTryTimeout: durationSchema.optional(),
    retryOn: z.array(retryOnSchema).min(1).optional(),
    // Only idempotent methods are retried unless this says a repeat is harmless; retrying on
    // a gRPC status says so by default (every gRPC call is a POST).
    retryNonIdempotent: z.boolean().optional(),
    backoff: z.strictObject({ base: durationSchema, max: durationSchema.optional() }).optional(),
  })
  .superRefine((retries, ctx) => {
    if (retries.backoff?.max !== undefined && retries.backoff.max < retries.backoff.base)
      ctx.addIssue({ code: 'custom', path: ['backoff', 'max'], message: 'must not be below base' });
  });

export type Retries = z.infer<typeof retriesSchema>;
export type RetryOn = (typeof RETRY_ON)[number];

/**
 * Istio's default retry policy: twice, on failures where the request surely did no work (no
 * connection, a stream the upstream refused) and on 503, whatever the method.
 */
export const DEFAULT_MESH_RETRIES: Retries = {
  attempts: 2,
  retryOn: ['connect-failure', 'refused-stream', 503],
  retryNonIdempotent: true,
};
