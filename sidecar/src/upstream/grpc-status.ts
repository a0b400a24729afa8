// gRPC over the proxy's own answers: which requests are gRPC, the grpc-timeout they carry, and the
// grpc-status a local reply gets (gRPC's HTTP → gRPC status mapping, as Envoy applies it; router
// timeouts say DEADLINE_EXCEEDED, as Envoy does since envoyproxy/envoy#44479).
import type { IncomingHttpHeaders } from 'node:http';

/** gRPC status codes (grpc/doc/statuscodes.md). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INTERNAL: 13,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** Whether a request speaks gRPC (application/grpc, application/grpc+proto, …). */
export function isGrpcRequest(headers: IncomingHttpHeaders): boolean {
  return headers['content-type']?.startsWith('application/grpc') === true;
}

/** gRPC's mapping for a response without grpc-status (grpc/doc/http-grpc-status-mapping.md). */
export function grpcStatusOfHttp(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

const GRPC_TIMEOUT_UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/**
 * The deadline a grpc-timeout header gives, in ms ("100m", "5S": up to 8 digits and a unit);
 * undefined when absent or malformed (the call then runs under the route's timeout only).
 */
export function grpcTimeoutMs(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || value.length < 2 || value.length > 9) return undefined;
  const unit = GRPC_TIMEOUT_UNIT_MS[value[value.length - 1] as string];
  const digits = value.slice(0, -1);
  if (unit === undefined || !/^\d+$/.test(digits)) return undefined;
  // A deadline under a millisecond still expires: 1 ms, never "no timeout".
  return Math.max(1, Math.ceil(Number(digits) * unit));
}

/** grpc-message is percent-encoded outside printable ASCII (and "%" itself). */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message))
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}
