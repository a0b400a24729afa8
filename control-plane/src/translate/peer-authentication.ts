// Which PeerAuthentication modes hold for a service's sidecars: the document selecting the service,
// else its namespace's without a selector, else the mesh's (root namespace, no selector), else
// STRICT; ports the selecting document names in portLevelMtls have their own.
import type { ConfigSet } from '../config/config-set.js';
import {
  DEFAULT_PEER_AUTHENTICATION_MODE,
  MESH_ROOT_NAMESPACE,
  type PeerAuthenticationMode,
} from '../config/peer-authentication-schema.js';

export interface PeerAuthenticationModes {
  /** The mode of every port `ports` does not name. */
  mode: PeerAuthenticationMode;
  /** Ports of the workload with a mode of their own (portLevelMtls). */
  ports: ReadonlyMap<number, PeerAuthenticationMode>;
}

/** A mesh without a CA: every port plaintext. */
export const PLAINTEXT_ONLY: PeerAuthenticationModes = { mode: 'DISABLE', ports: new Map() };

export function peerAuthenticationModes(
  config: ConfigSet,
  namespace: string,
  service: string,
): PeerAuthenticationModes {
  let serviceSpec: ConfigSet['peerAuthentications'][number]['spec'] | undefined;
  let namespaceMode: PeerAuthenticationMode | undefined;
  let meshMode: PeerAuthenticationMode | undefined;
  for (const { metadata, spec } of config.peerAuthentications) {
    const selected = spec.selector?.service;
    if (metadata.namespace === namespace && selected === service) serviceSpec = spec;
    if (selected !== undefined) continue;
    if (metadata.namespace === namespace) namespaceMode = spec.mtls?.mode;
    else if (metadata.namespace === MESH_ROOT_NAMESPACE) meshMode = spec.mtls?.mode;
  }
  const ports = new Map(
    Object.entries(serviceSpec?.portLevelMtls ?? {}).map(([port, { mode }]) => [Number(port), mode] as const),
  );
  return { mode: serviceSpec?.mtls?.mode ?? namespaceMode ?? meshMode ?? DEFAULT_PEER_AUTHENTICATION_MODE, ports };
}

/** The mode connections sent to `port` of the workload are taken in. */
export function modeOfPort(modes: PeerAuthenticationModes, port: number): PeerAuthenticationMode {
  return modes.ports.get(port) ?? modes.mode;
}
