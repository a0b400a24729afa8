// The PeerAuthentication kind (Istio's): how the sidecars it selects take their clients. STRICT
// (mutual TLS only; the mesh's default), PERMISSIVE (mutual TLS and plaintext, to migrate callers
// from outside the mesh) or DISABLE (plaintext: peers call them without TLS). A document selects the
// sidecars of one service (selector.service), or without a selector every sidecar of its namespace;
// one without a selector in the root namespace, pilotfish-system, holds for the whole mesh. The
// most specific one holds: service, then namespace, then mesh. A document with a selector may give
// ports of the service's workload a mode of their own (Istio's portLevelMtls); its `mtls` may then
// be left out, and the service's other ports keep the namespace's (or mesh's) mode.
import { z } from 'zod';
import { documentSchema } from './schema-common.js';

/** The namespace whose selector-less PeerAuthentication is the mesh's (Istio's root namespace). */
export const MESH_ROOT_NAMESPACE = 'pilotfish-system';

export const PEER_AUTHENTICATION_MODES = ['STRICT', 'PERMISSIVE', 'DISABLE'] as const;
export type PeerAuthenticationMode = (typeof PEER_AUTHENTICATION_MODES)[number];
/** Without any PeerAuthentication: beyond Istio's PERMISSIVE default, plaintext is refused. */
export const DEFAULT_PEER_AUTHENTICATION_MODE: PeerAuthenticationMode = 'STRICT';

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const mutualTlsSchema = z.strictObject({
  mode: z.enum(PEER_AUTHENTICATION_MODES, { message: `is not one of ${PEER_AUTHENTICATION_MODES.join(', ')}` }),
});

/** The port a connection is sent to on the workload: the port its instances registered (in intercept mode the app's). */
const portKeySchema = z
  .string()
  .refine((key) => /^\d+$/.test(key) && Number(key) >= 1 && Number(key) <= 65535, 'is not a port (1–65535)');

export const peerAuthenticationSpecSchema = z
  .strictObject({
    selector: z.strictObject({ service: z.string().regex(NAME, 'is not a service name') }).optional(),
    mtls: mutualTlsSchema.optional(),
    portLevelMtls: z.record(portKeySchema, mutualTlsSchema).optional(),
  })
  .superRefine((spec, context) => {
    if (spec.portLevelMtls !== undefined && spec.selector === undefined)
      context.addIssue({
        code: 'custom',
        path: ['portLevelMtls'],
        message: "needs a selector: port modes hold for one service's sidecars",
      });
    if (spec.mtls === undefined && spec.portLevelMtls === undefined)
      context.addIssue({ code: 'custom', path: ['mtls'], message: 'is required (a mode, or portLevelMtls)' });
  });

export const peerAuthenticationSchema = documentSchema('PeerAuthentication', peerAuthenticationSpecSchema);
export type PeerAuthenticationDocument = z.infer<typeof peerAuthenticationSchema>;
