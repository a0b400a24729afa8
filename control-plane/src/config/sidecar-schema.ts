// The Sidecar kind (Istio's Sidecar, egress only): the services the sidecars it selects may call.
// Those sidecars then hold and receive only these services' clusters, routes and endpoints. It
// selects the sidecars of one service (workloadSelector.service) or, without a selector, every
// sidecar of its namespace that no selecting Sidecar claims.
import { z } from 'zod';
import { documentSchema } from './schema-common.js';

const NAME = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
/** `namespace/service`: namespace `.` (the Sidecar's own), `*` or a name; service `*` or a name. */
const EGRESS_HOST = new RegExp(`^(\\.|\\*|${NAME})/(\\*|${NAME})$`);

export const egressHostSchema = z.string().regex(EGRESS_HOST, {
  message:
    'is not "namespace/service": the namespace is ".", "*" or a name, the service "*" or a name (./*, */*, payments/ledger)',
});

export const sidecarSpecSchema = z.strictObject({
  workloadSelector: z
    .strictObject({ service: z.string().regex(new RegExp(`^${NAME}$`), 'is not a service name') })
    .optional(),
  egress: z.array(z.strictObject({ hosts: z.array(egressHostSchema).min(1) })).min(1),
});

export const sidecarSchema = documentSchema('Sidecar', sidecarSpecSchema);
export type SidecarDocument = z.infer<typeof sidecarSchema>;
