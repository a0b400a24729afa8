// Checks a cluster's TLS to its endpoints, as Istio sends it to Envoy: transport_socket_matches
// that pick mutual TLS for endpoints whose metadata says they have a sidecar (and raw_buffer for
// the rest), or one transport_socket for all. The TLS is an UpstreamTlsContext naming the SDS
// secrets "default" (this workload's SVID) and "ROOTCA" (the trust bundle), with the SPIFFE IDs the
// endpoints may present as URI SAN matchers.
import type { Cluster__Output } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { Metadata__Output } from '../../../proto/gen/envoy/config/core/v3/Metadata.js';
import type { TransportSocket__Output } from '../../../proto/gen/envoy/config/core/v3/TransportSocket.js';
import type { CommonTlsContext__Output } from '../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/CommonTlsContext.js';
import type { UpstreamTlsContext__Output } from '../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/UpstreamTlsContext.js';
import { MUTUAL_TLS, structToObject, TYPE_URL } from '../../../proto/xds.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';

/** The SPIFFE IDs an endpoint reached in mutual TLS may present (empty: any the trust bundle signed); undefined: plaintext. */
export type EndpointTls = ReadonlySet<string> | undefined;

export interface ClusterTls {
  /** transport_socket_matches, in order: the first whose every pair the endpoint's metadata holds decides. */
  matches: ReadonlyArray<{ match: Readonly<Record<string, unknown>>; tls: EndpointTls }>;
  /** transport_socket: for endpoints no match takes. */
  otherwise: EndpointTls;
}

const UNSUPPORTED_UPSTREAM: UnsupportedFields = [
  ['session_ticket_keys', 'session ticket keys'],
  ['enforce_rsa_key_usage', 'RSA key usage'],
  ['max_session_keys', 'max_session_keys'],
];
const UNSUPPORTED_COMMON: UnsupportedFields = [
  ['tls_certificates', 'inline certificates (the workload certificate is SDS secret "default")'],
  ['tls_certificate_provider_instance', 'certificate providers'],
  ['validation_context', 'an inline validation context (the trust bundle is SDS secret "ROOTCA")'],
  ['custom_handshaker', 'custom handshakers'],
  ['key_log', 'key logs'],
];

/** The cluster's TLS settings; undefined when it has none (every endpoint in plaintext). */
export function checkClusterTls(resource: ResourceRef, cluster: Cluster__Output): ClusterTls | undefined {
  const matches = (cluster.transport_socket_matches ?? []).map((entry, index) => ({
    match: structToObject(entry.match ?? undefined),
    tls: transportSocketTls(resource, `transport_socket_matches[${index}].transport_socket`, entry.transport_socket),
  }));
  const otherwise =
    cluster.transport_socket == null
      ? undefined
      : transportSocketTls(resource, 'transport_socket', cluster.transport_socket);
  if (matches.length === 0 && otherwise === undefined) return undefined;
  return { matches, otherwise };
}

/** How the endpoint with `metadata` is reached under `tls`. */
export function endpointTls(tls: ClusterTls | undefined, metadata: Metadata__Output | undefined): EndpointTls {
  if (tls === undefined) return undefined;
  const labels = structToObject(metadata?.filter_metadata?.[MUTUAL_TLS.matchMetadata]);
  for (const { match, tls: matched } of tls.matches)
    if (Object.entries(match).every(([key, value]) => labels[key] === value)) return matched;
  return tls.otherwise;
}

function transportSocketTls(
  resource: ResourceRef,
  path: string,
  socket: TransportSocket__Output | undefined | null,
): EndpointTls {
  const context = socket?.typed_config as { '@type'?: string } | undefined;
  if (context?.['@type'] === TYPE_URL.rawBuffer) return undefined;
  if (context?.['@type'] !== TYPE_URL.upstreamTlsContext)
    throw configError(
      resource,
      `${path}.typed_config`,
      `expected ${TYPE_URL.upstreamTlsContext} or ${TYPE_URL.rawBuffer}, got ${context?.['@type'] ?? 'none'}`,
    );
  const upstream = context as UpstreamTlsContext__Output;
  rejectUnsupported(resource, `${path}.typed_config`, upstream, UNSUPPORTED_UPSTREAM);
  const commonPath = `${path}.typed_config.common_tls_context`;
  const common = upstream.common_tls_context;
  if (common == null) throw configError(resource, commonPath, 'is required: the workload certificate and trust bundle');
  rejectUnsupported(resource, commonPath, common, UNSUPPORTED_COMMON);
  const certificates = common.tls_certificate_sds_secret_configs ?? [];
  if (certificates.length !== 1 || certificates[0]?.name !== MUTUAL_TLS.certificateSecret)
    throw configError(
      resource,
      `${commonPath}.tls_certificate_sds_secret_configs`,
      `expected one secret, "${MUTUAL_TLS.certificateSecret}" (this workload's certificate)`,
    );
  return subjectAltNames(resource, commonPath, common);
}

function subjectAltNames(resource: ResourceRef, path: string, common: CommonTlsContext__Output): ReadonlySet<string> {
  const combined = common.combined_validation_context;
  const bundle = combined?.validation_context_sds_secret_config ?? common.validation_context_sds_secret_config;
  const bundlePath = `${path}.combined_validation_context.validation_context_sds_secret_config`;
  if (bundle?.name !== MUTUAL_TLS.trustBundleSecret)
    throw configError(resource, bundlePath, `expected the secret "${MUTUAL_TLS.trustBundleSecret}" (the trust bundle)`);
  const matchersPath = `${path}.combined_validation_context.default_validation_context.match_typed_subject_alt_names`;
  const names = new Set<string>();
  (combined?.default_validation_context?.match_typed_subject_alt_names ?? []).forEach((matcher, index) => {
    const exact = matcher.matcher?.exact;
    if (matcher.san_type !== 'URI' || exact === undefined || exact === '')
      throw configError(
        resource,
        `${matchersPath}[${index}]`,
        'only URI SANs matched exactly (SPIFFE IDs) are supported',
      );
    names.add(exact);
  });
  return names;
}
