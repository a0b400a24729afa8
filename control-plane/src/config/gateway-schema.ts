// The Gateway kind (like Istio's Gateway): the servers an ingress gateway process runs at the edge
// of the mesh — a port, HTTP or HTTPS with the certificate files to terminate TLS with, and the host
// names it serves. Routes attach to it by name (Route spec.gateways).
import { z } from 'zod';
import { documentSchema } from './schema-common.js';

/** A host name clients send, or a wildcard: `*` (any host) or `*.example.com` (any name under it). */
export const HOST_PATTERN = /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;
export const hostPatternSchema = z
  .string()
  .regex(HOST_PATTERN, { message: 'is not a host name in lowercase, "*.domain" or "*"' });

const serverSchema = z
  .strictObject({
    port: z.number().int().min(1).max(65535),
    protocol: z.enum(['HTTP', 'HTTPS']),
    hosts: z.array(hostPatternSchema).min(1),
    tls: z.strictObject({ certificateFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  })
  .superRefine((server, ctx) => {
    if (server.protocol === 'HTTPS' && server.tls === undefined)
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'is required for HTTPS: { certificateFile, keyFile }' });
    if (server.protocol === 'HTTP' && server.tls !== undefined)
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'is only for HTTPS servers' });
  });

export const gatewaySpecSchema = z.strictObject({ servers: z.array(serverSchema).min(1) }).superRefine((spec, ctx) => {
  spec.servers.forEach((server, index) => {
    const first = spec.servers.findIndex((other) => other.port === server.port);
    if (first !== index)
      ctx.addIssue({
        code: 'custom',
        path: ['servers', index, 'port'],
        message: `${server.port} is already the port of servers[${first}]`,
      });
  });
});

export const gatewaySchema = documentSchema('Gateway', gatewaySpecSchema);
export type GatewayDocument = z.infer<typeof gatewaySchema>;
export type GatewayServer = GatewayDocument['spec']['servers'][number];

/** Whether a server's host pattern admits `host` (itself a name or a wildcard): Envoy's domain matching. */
export function admitsHost(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host !== '*' && host.endsWith(pattern.slice(1));
  return pattern === host;
}

/** `ns/name` (or `name` in `namespace`) as the Gateway's key, `namespace/name`; `mesh` stays `mesh`. */
export function gatewayKey(reference: string, namespace: string): string {
  return reference === MESH || reference.includes('/') ? reference : `${namespace}/${reference}`;
}

/** Istio's reserved gateway name: the mesh's sidecars. */
export const MESH = 'mesh';
