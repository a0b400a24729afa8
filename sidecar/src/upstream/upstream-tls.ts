// Mutual TLS to a peer sidecar (the cluster's UpstreamTlsContext): TLS 1.3 with this workload's
// SVID as the client certificate, the peer checked against the trust bundle and its SPIFFE ID
// against the identities the destination's endpoints may have. Sessions are resumed where the peer
// allows it (a PSK handshake skips the certificate checks' signatures), and every connection is
// pooled by its host, so a full handshake (~4.5 ms here) is paid once per connection, not per request.
import { connect as connectTcp, Socket } from 'node:net';
import { connect, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import { MUTUAL_TLS } from '../../../proto/xds.js';

/** ALPN values: HTTP as usual, and TCP passthrough under its own name (Istio's "istio-peer-exchange" role). */
export const ALPN_H2 = 'h2';
export const ALPN_HTTP1 = 'http/1.1';
export const ALPN_TCP = MUTUAL_TLS.tcpAlpn;

/** The code of every failed upstream TLS handshake: a connect failure (Envoy's UF), nothing reached the app. */
export const TLS_CONNECT_FAILURE = 'UPSTREAM_TLS_HANDSHAKE';

/** This workload's certificate as a client presents it (identity/workload-tls.ts keeps it current). */
export interface ClientCertificate {
  /** Undefined until the first certificate is issued. */
  readonly current: { readonly context: SecureContext } | undefined;
}

export interface UpstreamTls {
  workload: ClientCertificate;
  /** The SPIFFE IDs the endpoints may present (match_typed_subject_alt_names); empty: any of the trust bundle's. */
  subjectAltNames: ReadonlySet<string>;
  /** Told of each handshake that failed (the sidecar logs it). */
  onFailure(error: Error): void;
}

/** What distinguishes one TLS setting from another, for pools keyed by it. */
export function upstreamTlsKey(tls: UpstreamTls): string {
  return `mtls:${[...tls.subjectAltNames].sort().join(',')}`;
}

/** The last TLS session a host's peer gave, offered on the next connection to it. */
export interface TlsSessionCache {
  session: Buffer | undefined;
}

/**
 * A TLS connection to address:port speaking `alpn`; emits 'secureConnect' once the peer checks out,
 * or 'error' (code TLS_CONNECT_FAILURE, the reason in its message) when it does not.
 */
export function connectTls(
  address: string,
  port: number,
  tls: UpstreamTls,
  alpn: string,
  sessions: TlsSessionCache,
): Socket {
  const state = tls.workload.current;
  if (state === undefined) {
    const socket = new Socket();
    const error = new Error('this workload has no certificate yet');
    process.nextTick(() => socket.destroy(error));
    return socket;
  }
  // Nagle off on the TCP socket itself (a TLSSocket's setNoDelay does not reach it): small
  // requests and responses would otherwise wait out the peer's delayed ACK, ~40 ms a round trip.
  const tcp = connectTcp({ host: address, port, noDelay: true });
  const socket: TLSSocket = connect({
    socket: tcp,
    host: address,
    port,
    secureContext: state.context,
    ALPNProtocols: [alpn],
    session: sessions.session,
    checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
      checkPeer(address, port, certificate, tls.subjectAltNames),
  });
  socket.on('session', (session: Buffer) => {
    sessions.session = session;
  });
  const onError = (error: Error): void => {
    sessions.session = undefined;
    tls.onFailure(failure(address, port, error));
  };
  socket.once('error', onError);
  socket.once('secureConnect', () => socket.off('error', onError));
  return socket;
}

/** The error a failed handshake becomes: a connect failure naming the peer and the reason. */
export function failure(address: string, port: number, cause: Error & { code?: string }): Error & { code: string } {
  const reason = cause.code === undefined ? cause.message : `${cause.message} (${cause.code})`;
  return Object.assign(new Error(`mutual TLS with ${address}:${port} failed: ${reason}`, { cause }), {
    code: TLS_CONNECT_FAILURE,
  });
}

function checkPeer(
  address: string,
  port: number,
  certificate: PeerCertificate,
  allowed: ReadonlySet<string>,
): Error | undefined {
  const presented = (certificate.subjectaltname ?? '')
    .split(', ')
    .filter((name) => name.startsWith('URI:'))
    .map((name) => name.slice('URI:'.length));
  if (presented.length !== 1)
    return new Error(`the peer's certificate has ${presented.length} URI SANs, an X.509-SVID has exactly one`);
  const [spiffeId] = presented as [string];
  if (allowed.size > 0 && !allowed.has(spiffeId))
    return new Error(
      `the peer at ${address}:${port} is ${spiffeId}, not an identity its service may have (${[...allowed].join(', ')})`,
    );
  return undefined;
}
