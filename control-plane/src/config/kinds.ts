// The config kinds the control plane knows, in the order help text and errors name them. Apart from
// their schemas (config-documents.ts), so the CLI can name them without loading zod.
const KIND_NAMES = [
  'Route',
  'DestinationPolicy',
  'RateLimit',
  'Service',
  'ServiceConfig',
  'MeshConfig',
  'Gateway',
  'Sidecar',
  'PeerAuthentication',
  'AuthorizationPolicy',
] as const;

export type Kind = (typeof KIND_NAMES)[number];
export const KINDS: Kind[] = [...KIND_NAMES];
