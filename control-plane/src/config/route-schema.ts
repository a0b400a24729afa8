// The Route kind (like Istio's VirtualService): how callers' requests to one service are routed —
// rules in order, first match wins; a request that matches no rule goes to the whole service.
import { z } from 'zod';
import { hostPatternSchema, MESH } from './gateway-schema.js';
import { retriesSchema } from './retries-schema.js';
import {
  documentSchema,
  durationSchema,
  headerMatchSchema,
  headerNameSchema,
  pathMatchSchema,
  percentSchema,
  queryMatchSchema,
  serviceNameSchema,
  subsetNameSchema,
} from './schema-common.js';

const METHOD = /^[A-Z]+$/;

const matchSchema = z.strictObject({
  path: pathMatchSchema.optional(),
  headers: z.record(headerNameSchema, headerMatchSchema).optional(),
  method: z.string().regex(METHOD, { message: 'is not an HTTP method in upper case (GET, POST, …)' }).optional(),
  query: z.record(z.string().min(1), queryMatchSchema).optional(),
});

const destinationSchema = z.strictObject({
  service: serviceNameSchema,
  subset: subsetNameSchema.optional(),
  weight: z.number().int().min(0).max(100).optional(),
});

const headerEditsSchema = z.strictObject({
  add: z.record(headerNameSchema, z.string()).optional(),
  remove: z.array(headerNameSchema).optional(),
});

const ruleSchema = z
  .strictObject({
    match: z.array(matchSchema).min(1).optional(),
    destinations: z.array(destinationSchema).min(1),
    timeout: durationSchema.optional(),
    retries: retriesSchema.optional(),
    rewrite: z
      .strictObject({ prefix: z.string().startsWith('/').optional(), host: z.string().min(1).optional() })
      .optional(),
    headers: z
      .strictObject({ request: headerEditsSchema.optional(), response: headerEditsSchema.optional() })
      .optional(),
    fault: z
      .strictObject({
        delay: z.strictObject({ fixed: durationSchema, percent: percentSchema }).optional(),
        abort: z.strictObject({ status: z.number().int().min(200).max(599), percent: percentSchema }).optional(),
      })
      .optional(),
    mirror: z
      .strictObject({
        service: serviceNameSchema,
        subset: subsetNameSchema.optional(),
        percent: percentSchema.default(100),
      })
      .optional(),
  })
  .superRefine((rule, ctx) => {
    const weights = rule.destinations.map((destination) => destination.weight);
    if (rule.destinations.length > 1) {
      const missing = weights.findIndex((weight) => weight === undefined);
      if (missing >= 0)
        ctx.addIssue({
          code: 'custom',
          path: ['destinations', missing, 'weight'],
          message: 'is required when a rule has more than one destination',
        });
      else {
        const sum = weights.reduce<number>((total, weight) => total + (weight as number), 0);
        if (sum !== 100)
          ctx.addIssue({ code: 'custom', path: ['destinations'], message: `weights sum to ${sum}, must be 100` });
      }
    } else if (weights[0] !== undefined && weights[0] !== 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['destinations', 0, 'weight'],
        message: `a single destination takes all traffic: weight must be 100 or absent, got ${weights[0]}`,
      });
    }
    if (rule.rewrite?.prefix !== undefined) {
      (rule.match ?? []).forEach((match, index) => {
        if (match.path?.regex !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['rewrite', 'prefix'],
            message: `needs path matches by prefix or exact, but match[${index}] is a regex`,
          });
      });
    }
    for (const [name] of Object.entries(rule.headers?.request?.add ?? {})) {
      if (name === 'host')
        ctx.addIssue({
          code: 'custom',
          path: ['headers', 'request', 'add', name],
          message: 'host cannot be set here; use rewrite.host',
        });
    }
  });

const DNS_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const gatewayRefSchema = z.string().regex(new RegExp(`^(${DNS_LABEL}/)?${DNS_LABEL}$`), {
  message: `is not a Gateway: "name", "namespace/name", or "${MESH}" for the sidecars`,
});

export const routeSpecSchema = z
  .strictObject({
    host: serviceNameSchema,
    // Where the rules apply: Gateways by name, and "mesh" for the sidecars (the default).
    gateways: z.array(gatewayRefSchema).min(1).optional(),
    // The host names clients send to the gateways (default: the service's own names).
    hosts: z.array(hostPatternSchema).min(1).optional(),
    // No rules: every request goes to the whole service (a gateway exposing a service as it is).
    rules: z.array(ruleSchema).default([]),
  })
  .superRefine((spec, ctx) => {
    if (spec.hosts !== undefined && (spec.gateways ?? [MESH]).every((gateway) => gateway === MESH)) {
      ctx.addIssue({
        code: 'custom',
        path: ['hosts'],
        message: 'is for routes attached to a Gateway: add spec.gateways',
      });
    }
  });

export const routeSchema = documentSchema('Route', routeSpecSchema);
export type RouteDocument = z.infer<typeof routeSchema>;
export type RouteRule = RouteDocument['spec']['rules'][number];
export type RouteMatch = NonNullable<RouteRule['match']>[number];
