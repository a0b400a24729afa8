// The Service kind: declares a service so that config may name it before any instance registers.
import { z } from 'zod';
import { PROTOCOLS } from '../registry/instance.js';
import { documentSchema } from './schema-common.js';

export const serviceSpecSchema = z
  .strictObject({
    ports: z
      .array(z.strictObject({ port: z.number().int().min(1).max(65535), protocol: z.enum(PROTOCOLS).default('http') }))
      .optional(),
  })
  .default({ ports: undefined });

export const serviceSchema = documentSchema('Service', serviceSpecSchema);
export type ServiceDocument = z.infer<typeof serviceSchema>;
