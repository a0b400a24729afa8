// The DestinationPolicy kind (like Istio's DestinationRule): how callers balance, limit, eject and
// health-check the instances of one service, and the named subsets that routes may send to.
import { z } from 'zod';
import {
  documentSchema,
  durationSchema,
  headerNameSchema,
  labelsSchema,
  positiveIntSchema,
  serviceNameSchema,
  subsetNameSchema,
} from './schema-common.js';

export const LB_POLICIES = ['round_robin', 'least_request', 'ring_hash', 'random'] as const;

const hashOnSchema = z
  .strictObject({
    header: headerNameSchema.optional(),
    cookie: z.string().min(1).optional(),
    sourceIp: z.literal(true).optional(),
  })
  .superRefine((hashOn, ctx) => {
    const set = (['header', 'cookie', 'sourceIp'] as const).filter((key) => hashOn[key] !== undefined);
    if (set.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: set.length === 0 ? 'needs one of header, cookie, sourceIp' : `sets ${set.join(' and ')}; choose one`,
      });
  });

const loadBalancerSchema = z
  .strictObject({
    policy: z.enum(LB_POLICIES),
    hashOn: hashOnSchema.optional(),
    minRingSize: positiveIntSchema.optional(),
  })
  .superRefine((lb, ctx) => {
    if (lb.policy === 'ring_hash' && lb.hashOn === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['hashOn'],
        message: 'is required with policy ring_hash: say what to hash (header, cookie or sourceIp)',
      });
    if (lb.policy !== 'ring_hash' && lb.hashOn !== undefined)
      ctx.addIssue({ code: 'custom', path: ['hashOn'], message: `only applies to policy ring_hash, not ${lb.policy}` });
    if (lb.policy !== 'ring_hash' && lb.minRingSize !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['minRingSize'],
        message: `only applies to policy ring_hash, not ${lb.policy}`,
      });
  });

const connectionPoolSchema = z.strictObject({
  maxConnections: positiveIntSchema.optional(),
  maxPendingRequests: positiveIntSchema.optional(),
  maxRequests: positiveIntSchema.optional(),
  maxRetries: z.number().int().min(0).optional(),
  retryBudget: z
    .strictObject({ percent: z.number().gt(0).max(100), minRetryConcurrency: z.number().int().min(0) })
    .optional(),
  idleTimeout: durationSchema.optional(),
  connectTimeout: durationSchema.optional(),
});

const outlierDetectionSchema = z.strictObject({
  consecutive5xx: positiveIntSchema.optional(),
  consecutiveGatewayErrors: positiveIntSchema.optional(),
  interval: durationSchema.optional(),
  baseEjectionTime: durationSchema.optional(),
  maxEjectionPercent: z.number().int().min(0).max(100).optional(),
});

// An HTTP GET of `path`, or a gRPC Health/Check call (`grpc`, asking about `service`; "" or none
// is the server as a whole): one of the two.
const healthCheckSchema = z
  .strictObject({
    path: z.string().startsWith('/').optional(),
    grpc: z.strictObject({ service: z.string().optional() }).optional(),
    interval: durationSchema,
    timeout: durationSchema,
    healthyThreshold: positiveIntSchema.optional(),
    unhealthyThreshold: positiveIntSchema.optional(),
  })
  .superRefine((check, ctx) => {
    if ((check.path === undefined) === (check.grpc === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: check.path === undefined ? [] : ['grpc'],
        message: 'needs either path (an HTTP check) or grpc (a gRPC health check), not both',
      });
    }
  });

const subsetSchema = z.strictObject({
  name: subsetNameSchema,
  labels: labelsSchema.refine((labels) => Object.keys(labels).length > 0, { message: 'needs at least one label' }),
  loadBalancer: loadBalancerSchema.optional(),
  connectionPool: connectionPoolSchema.optional(),
  outlierDetection: outlierDetectionSchema.optional(),
});

export const destinationPolicySpecSchema = z
  .strictObject({
    host: serviceNameSchema,
    loadBalancer: loadBalancerSchema.optional(),
    localityPreference: z.boolean().optional(),
    connectionPool: connectionPoolSchema.optional(),
    outlierDetection: outlierDetectionSchema.optional(),
    healthCheck: healthCheckSchema.optional(),
    subsets: z.array(subsetSchema).optional(),
  })
  .superRefine((spec, ctx) => {
    const seen = new Map<string, number>();
    (spec.subsets ?? []).forEach((subset, index) => {
      const first = seen.get(subset.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['subsets', index, 'name'],
          message: `"${subset.name}" is already the name of subsets[${first}]`,
        });
      else seen.set(subset.name, index);
    });
  });

export const destinationPolicySchema = documentSchema('DestinationPolicy', destinationPolicySpecSchema);
export type DestinationPolicyDocument = z.infer<typeof destinationPolicySchema>;
export type DestinationPolicySpec = DestinationPolicyDocument['spec'];
export type LoadBalancerSpec = NonNullable<DestinationPolicySpec['loadBalancer']>;
export type ConnectionPoolSpec = NonNullable<DestinationPolicySpec['connectionPool']>;
export type OutlierDetectionSpec = NonNullable<DestinationPolicySpec['outlierDetection']>;
export type SubsetSpec = NonNullable<DestinationPolicySpec['subsets']>[number];
