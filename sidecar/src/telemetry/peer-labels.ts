// Istio's labels naming who talked to whom, shared by the request and the TCP metrics: the
// reporting side, the source and destination workloads and services, and the security policy.
export const PEER_LABELS = [
  'reporter',
  'source_workload',
  'source_canonical_service',
  'destination_service',
  'destination_workload',
  'destination_canonical_service',
  'source_principal',
  'connection_security_policy',
] as const;

export type PeerLabel = (typeof PEER_LABELS)[number];

/**
 * `source` and `destination` are service short names ("unknown" when not known); `sourcePrincipal`
 * the caller's SPIFFE ID as the inbound listener verified it in mutual TLS ('' for plaintext).
 */
export function peerLabels(
  reporter: 'source' | 'destination',
  source: string,
  destinationFqdn: string,
  destination: string,
  sourcePrincipal = '',
): Record<PeerLabel, string> {
  return {
    reporter,
    source_workload: source,
    source_canonical_service: source,
    destination_service: destinationFqdn,
    destination_workload: destination,
    destination_canonical_service: destination,
    source_principal: sourcePrincipal === '' ? 'unknown' : sourcePrincipal,
    // As Istio: the destination knows how the connection came; the source reports unknown.
    connection_security_policy: reporter === 'source' ? 'unknown' : sourcePrincipal === '' ? 'none' : 'mutual_tls',
  };
}
