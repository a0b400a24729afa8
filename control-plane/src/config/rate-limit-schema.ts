// The RateLimit kind: request quotas for one service, enforced by that service's own sidecar
// (inbound) as token buckets — one for all callers, or one per caller or per header value.
import { z } from 'zod';
import {
  documentSchema,
  durationSchema,
  headerNameSchema,
  positiveIntSchema,
  serviceNameSchema,
} from './schema-common.js';

const limitSchema = z.strictObject({
  match: z
    .strictObject({
      path: z
        .strictObject({ exact: z.string().startsWith('/').optional(), prefix: z.string().startsWith('/').optional() })
        .superRefine((path, ctx) => {
          const set = (['exact', 'prefix'] as const).filter((key) => path[key] !== undefined);
          if (set.length !== 1)
            ctx.addIssue({
              code: 'custom',
              message: set.length === 0 ? 'needs one of exact, prefix' : 'sets exact and prefix; choose one',
            });
        })
        .optional(),
    })
    .optional(),
  key: z
    .strictObject({ source: z.literal(true).optional(), header: headerNameSchema.optional() })
    .superRefine((key, ctx) => {
      const set = (['source', 'header'] as const).filter((name) => key[name] !== undefined);
      if (set.length !== 1)
        ctx.addIssue({
          code: 'custom',
          message: set.length === 0 ? 'needs one of source, header' : 'sets source and header; choose one',
        });
    })
    .optional(),
  requests: positiveIntSchema,
  per: durationSchema,
});

export const rateLimitSpecSchema = z.strictObject({
  host: serviceNameSchema,
  limits: z.array(limitSchema).min(1),
});

export const rateLimitSchema = documentSchema('RateLimit', rateLimitSpecSchema);
export type RateLimitDocument = z.infer<typeof rateLimitSchema>;
export type LimitSpec = RateLimitDocument['spec']['limits'][number];
