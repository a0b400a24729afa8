// Mutual TLS between sidecars in xDS, as Istio's auto-mTLS sends it to Envoy: a cluster's
// transport_socket_matches pick an UpstreamTlsContext for endpoints whose metadata says they have a
// sidecar (checking the peer's SPIFFE ID against the identities the service's instances registered
// with) and raw_buffer for the rest, under ALPN h2, http/1.1 or, for TCP passthrough, MUTUAL_TLS.tcpAlpn;
// an inbound listener's chains say STRICT (one mutual TLS chain),
// PERMISSIVE (a "tls" and a "raw_buffer" chain with the same filters) or DISABLE (one plaintext
// chain), and a port with a mode of its own gets such chains matching its destination_port, as
// Istio's portLevelMtls. Certificates are named by Istio's SDS secret names; sidecars fill them from their SVID.
import type { Cluster } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { Metadata } from '../../../proto/gen/envoy/config/core/v3/Metadata.js';
import type { FilterChain } from '../../../proto/gen/envoy/config/listener/v3/FilterChain.js';
import type { FilterChainMatch } from '../../../proto/gen/envoy/config/listener/v3/FilterChainMatch.js';
import type { DownstreamTlsContext } from '../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/DownstreamTlsContext.js';
import type { UpstreamTlsContext } from '../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/UpstreamTlsContext.js';
import { MUTUAL_TLS, objectToStruct, TYPE_URL } from '../../../proto/xds.js';
import type { PeerAuthenticationMode } from '../config/peer-authentication-schema.js';
import type { Protocol, ServiceInstance } from '../registry/instance.js';
import { modeOfPort, type PeerAuthenticationModes } from './peer-authentication.js';
import { typedConfig } from './typed-config.js';

const CERTIFICATE = [{ name: MUTUAL_TLS.certificateSecret }];
const TRUST_BUNDLE = { name: MUTUAL_TLS.trustBundleSecret };
const MUTUAL_MATCH = { [MUTUAL_TLS.matchKey]: MUTUAL_TLS.matchValue };

/**
 * Whether callers reach `instance` in mutual TLS: it was registered by a workload (its owner is a
 * SPIFFE ID: a sidecar with a certificate), and the mode of the port it registered is not DISABLE.
 */
export function isMutualTlsEndpoint(instance: ServiceInstance, modes: PeerAuthenticationModes): boolean {
  return modeOfPort(modes, instance.port) !== 'DISABLE' && instance.owner?.startsWith('spiffe://') === true;
}

/** The ALPN values a connection of `protocol` offers and an inbound listener of it takes. */
function alpnProtocols(protocol: Protocol): string[] {
  return protocol === 'tcp' ? [MUTUAL_TLS.tcpAlpn] : ['h2', 'http/1.1'];
}

/** The endpoint metadata transport_socket_matches select by. */
export function mutualTlsMetadata(): Metadata['filter_metadata'] {
  return { [MUTUAL_TLS.matchMetadata]: objectToStruct(MUTUAL_MATCH) };
}

/** A cluster's TLS fields for endpoints with sidecars of these identities; none when it has no such endpoint. */
export function clusterMutualTls(identities: ReadonlySet<string>, protocol: Protocol): Partial<Cluster> {
  if (identities.size === 0) return {};
  const upstream: UpstreamTlsContext = {
    common_tls_context: {
      tls_certificate_sds_secret_configs: CERTIFICATE,
      combined_validation_context: {
        default_validation_context: {
          match_typed_subject_alt_names: [...identities]
            .sort()
            .map((id) => ({ san_type: 'URI', matcher: { exact: id } })),
        },
        validation_context_sds_secret_config: TRUST_BUNDLE,
      },
      alpn_protocols: protocol === 'http' ? ['http/1.1'] : protocol === 'tcp' ? [MUTUAL_TLS.tcpAlpn] : ['h2'],
    },
  };
  return {
    transport_socket_matches: [
      {
        name: 'mutual-tls',
        match: objectToStruct(MUTUAL_MATCH),
        transport_socket: {
          name: MUTUAL_TLS.transportSocketName,
          typed_config: typedConfig(TYPE_URL.upstreamTlsContext, upstream),
        },
      },
      {
        name: 'plaintext',
        match: objectToStruct({}),
        transport_socket: { name: MUTUAL_TLS.rawBufferName, typed_config: typedConfig(TYPE_URL.rawBuffer, {}) },
      },
    ],
  };
}

/**
 * The inbound listener's chains for `modes`, from its one plaintext chain (HTTP's, or a TCP service's):
 * the listener's mode's, then each port's.
 */
export function inboundFilterChains(
  chain: FilterChain,
  modes: PeerAuthenticationModes,
  protocol: Protocol = 'http',
): FilterChain[] {
  const ports = [...modes.ports].sort(([a], [b]) => a - b);
  return [
    ...modeChains(chain, modes.mode, protocol, {}),
    ...ports.flatMap(([port, mode]) => modeChains(chain, mode, protocol, { destination_port: { value: port } })),
  ];
}

function modeChains(
  chain: FilterChain,
  mode: PeerAuthenticationMode,
  protocol: Protocol,
  match: FilterChainMatch,
): FilterChain[] {
  const matching = (extra: FilterChainMatch) =>
    Object.keys(match).length + Object.keys(extra).length === 0 ? {} : { filter_chain_match: { ...match, ...extra } };
  if (mode === 'DISABLE') return [{ ...chain, ...matching({}) }];
  const downstream: DownstreamTlsContext = {
    require_client_certificate: { value: true },
    common_tls_context: {
      tls_certificate_sds_secret_configs: CERTIFICATE,
      validation_context_sds_secret_config: TRUST_BUNDLE,
      alpn_protocols: alpnProtocols(protocol),
    },
  };
  const tls: FilterChain = {
    ...chain,
    transport_socket: {
      name: MUTUAL_TLS.transportSocketName,
      typed_config: typedConfig(TYPE_URL.downstreamTlsContext, downstream),
    },
  };
  if (mode === 'STRICT') return [{ ...tls, ...matching({}) }];
  return [
    { ...tls, ...matching({ transport_protocol: 'tls' }) },
    { ...chain, ...matching({ transport_protocol: 'raw_buffer' }) },
  ];
}
