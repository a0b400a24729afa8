// Checks how a sidecar's inbound listener takes its clients, as Istio sends it to Envoy: one chain
// whose transport socket is mutual TLS (STRICT: a DownstreamTlsContext requiring a client
// certificate, with the SDS secrets "default" and "ROOTCA" this sidecar fills from its SVID); two
// chains matched by transport_protocol "tls" and "raw_buffer" carrying the same filters
// (PERMISSIVE: both); or one chain without a transport socket (DISABLE, or a mesh without a CA).
// Chains matching a destination_port say so for that port (PeerAuthentication's portLevelMtls).
import type { FilterChain__Output } from '../../../proto/gen/envoy/config/listener/v3/FilterChain.js';
import type { TransportSocket__Output } from '../../../proto/gen/envoy/config/core/v3/TransportSocket.js';
import type { DownstreamTlsContext__Output } from '../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/DownstreamTlsContext.js';
import { MUTUAL_TLS, TYPE_URL } from '../../../proto/xds.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';

/** Mutual TLS on an inbound listener. */
export interface InboundMutualTls {
  /** PERMISSIVE: plaintext clients are served too. */
  acceptsPlaintext: boolean;
}

/** An inbound listener's mutual TLS by the port connections are sent to; undefined: plaintext. */
export interface InboundPortsMutualTls {
  otherPorts: InboundMutualTls | undefined;
  /** Ports with chains of their own (filter_chain_match.destination_port: PeerAuthentication's portLevelMtls). */
  ports: ReadonlyMap<number, InboundMutualTls | undefined>;
}

/** How a connection sent to `port` is taken. */
export function mutualTlsOfPort(
  tls: InboundPortsMutualTls | undefined,
  port: number | undefined,
): InboundMutualTls | undefined {
  if (tls === undefined) return undefined;
  return port !== undefined && tls.ports.has(port) ? tls.ports.get(port) : tls.otherPorts;
}

type IndexedChain = [index: number, chain: FilterChain__Output];

// A port's chains match its destination_port (and tls / raw_buffer under PERMISSIVE), nothing else.
const UNSUPPORTED_PORT_MATCH: UnsupportedFields = [
  ['server_names', 'server names'],
  ['application_protocols', 'application protocols'],
  ['prefix_ranges', 'destination addresses'],
  ['source_prefix_ranges', 'source addresses'],
  ['direct_source_prefix_ranges', 'source addresses'],
  ['source_ports', 'source ports'],
];

/**
 * The chain to compile the filters of, and the mutual TLS the chains say (undefined: plaintext
 * only, or a gateway's TLS). Chains matching a destination_port say that port's; they must carry
 * the same filters as the others.
 */
export function inboundChain(
  resource: ResourceRef,
  chains: readonly FilterChain__Output[],
): { chain: FilterChain__Output; mutualTls: InboundPortsMutualTls | undefined } {
  const byPort = new Map<number | undefined, IndexedChain[]>();
  chains.forEach((chain, index) => {
    const port = chain.filter_chain_match?.destination_port?.value;
    byPort.set(port, [...(byPort.get(port) ?? []), [index, chain]]);
  });
  const others = byPort.get(undefined) ?? [];
  if (others.length === 0 && chains.length > 0)
    throw configError(resource, 'filter_chains', 'expected a chain without destination_port, for the other ports');
  const { chain, mutualTls: otherPorts } = portChains(resource, others);
  const ports = new Map<number, InboundMutualTls | undefined>();
  for (const [port, entries] of byPort) {
    if (port === undefined) continue;
    for (const [index, portChain] of entries) {
      const match = portChain.filter_chain_match as NonNullable<FilterChain__Output['filter_chain_match']>;
      rejectUnsupported(resource, `filter_chains[${index}].filter_chain_match`, match, UNSUPPORTED_PORT_MATCH);
      if (JSON.stringify(portChain.filters) !== JSON.stringify(chain.filters))
        throw configError(
          resource,
          `filter_chains[${index}].filters`,
          `must be the same filters as filter_chains[${(others[0] as IndexedChain)[0]}] (only mutual TLS differs by port)`,
        );
    }
    ports.set(port, portChains(resource, entries).mutualTls);
  }
  if (otherPorts === undefined && ports.size === 0) return { chain, mutualTls: undefined };
  return { chain, mutualTls: { otherPorts, ports } };
}

/** One chain (STRICT, DISABLE) or a tls and a raw_buffer one (PERMISSIVE), for the same ports. */
function portChains(
  resource: ResourceRef,
  chains: readonly IndexedChain[],
): { chain: FilterChain__Output; mutualTls: InboundMutualTls | undefined } {
  if (chains.length === 2) return permissiveChains(resource, chains as [IndexedChain, IndexedChain]);
  if (chains.length !== 1)
    throw configError(
      resource,
      'filter_chains',
      `expected one filter chain (or a tls and a raw_buffer one) for the same ports, got ${chains.length}`,
    );
  const [index, chain] = chains[0] as IndexedChain;
  if (!isMutualTls(chain.transport_socket)) return { chain, mutualTls: undefined };
  checkMutualTls(resource, `filter_chains[${index}].transport_socket`, chain.transport_socket);
  return { chain: { ...chain, transport_socket: undefined }, mutualTls: { acceptsPlaintext: false } };
}

function permissiveChains(
  resource: ResourceRef,
  [[tlsIndex, tls], [plaintextIndex, plaintext]]: [IndexedChain, IndexedChain],
): { chain: FilterChain__Output; mutualTls: InboundMutualTls } {
  if (tls.filter_chain_match?.transport_protocol !== 'tls' || !isMutualTls(tls.transport_socket))
    throw configError(
      resource,
      `filter_chains[${tlsIndex}]`,
      'with two chains, the first matches transport_protocol "tls" and has a mutual TLS transport socket',
    );
  if (plaintext.filter_chain_match?.transport_protocol !== 'raw_buffer' || plaintext.transport_socket)
    throw configError(
      resource,
      `filter_chains[${plaintextIndex}]`,
      'with two chains, the second matches transport_protocol "raw_buffer" and has no transport socket',
    );
  if (JSON.stringify(tls.filters) !== JSON.stringify(plaintext.filters))
    throw configError(
      resource,
      `filter_chains[${plaintextIndex}].filters`,
      `must be the same filters as filter_chains[${tlsIndex}]`,
    );
  checkMutualTls(resource, `filter_chains[${tlsIndex}].transport_socket`, tls.transport_socket);
  return {
    chain: { ...tls, filter_chain_match: undefined, transport_socket: undefined },
    mutualTls: { acceptsPlaintext: true },
  };
}

/** A transport socket naming the workload's certificate by SDS (not a gateway's files). */
export function isMutualTls(socket: TransportSocket__Output | null | undefined): socket is TransportSocket__Output {
  const context = socket?.typed_config as (DownstreamTlsContext__Output & { '@type'?: string }) | undefined;
  return (
    context?.['@type'] === TYPE_URL.downstreamTlsContext &&
    (context.common_tls_context?.tls_certificate_sds_secret_configs?.length ?? 0) > 0
  );
}

function checkMutualTls(resource: ResourceRef, path: string, socket: TransportSocket__Output): void {
  const context = socket.typed_config as DownstreamTlsContext__Output;
  const at = `${path}.typed_config`;
  if (context.require_client_certificate?.value !== true)
    throw configError(resource, `${at}.require_client_certificate`, 'must be true: mutual TLS checks every client');
  const common = context.common_tls_context;
  const certificates = common?.tls_certificate_sds_secret_configs ?? [];
  if (certificates.length !== 1 || certificates[0]?.name !== MUTUAL_TLS.certificateSecret)
    throw configError(
      resource,
      `${at}.common_tls_context.tls_certificate_sds_secret_configs`,
      `expected one secret, "${MUTUAL_TLS.certificateSecret}" (this workload's certificate)`,
    );
  const bundle =
    common?.combined_validation_context?.validation_context_sds_secret_config ??
    common?.validation_context_sds_secret_config;
  if (bundle?.name !== MUTUAL_TLS.trustBundleSecret)
    throw configError(
      resource,
      `${at}.common_tls_context.validation_context_sds_secret_config`,
      `expected the secret "${MUTUAL_TLS.trustBundleSecret}" (the trust bundle)`,
    );
}
