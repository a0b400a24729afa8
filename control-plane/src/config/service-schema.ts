// The Service kind: declares a service so that config may name it before any instance registers,
// its ports, and the virtual IP clients dial for it in intercept mode (a Kubernetes Service's ClusterIP).
import { isIP } from 'node:net';
import { z } from 'zod';
import { PROTOCOLS } from '../registry/instance.js';
import { documentSchema } from './schema-common.js';

export const serviceSpecSchema = z
  .strictObject({
    ports: z
      .array(z.strictObject({ port: z.number().int().min(1).max(65535), protocol: z.enum(PROTOCOLS).default('http') }))
      .optional(),
    virtualIp: z
      .string()
      .refine((text) => isIP(text) !== 0, { message: 'must be an IPv4 or IPv6 address' })
      .optional(),
  })
  .default({ ports: undefined, virtualIp: undefined });

export const serviceSchema = documentSchema('Service', serviceSpecSchema);
export type ServiceDocument = z.infer<typeof serviceSchema>;
