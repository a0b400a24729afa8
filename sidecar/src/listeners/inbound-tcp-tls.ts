// Mutual TLS on a TCP app's inbound connections: a connection opening with a TLS record is a peer
// sidecar's, taken by a TLS server holding this workload's certificate under ALPN "pilotfish-tcp"
// (inbound-tls.ts), and proxied once its client checks out; a plaintext one is proxied only where
// the PeerAuthentication in force on the port it was sent to allows it. A server-first protocol's
// plaintext client sends nothing until the app has spoken: where plaintext is allowed, silence past
// PLAINTEXT_AFTER_MS means plaintext (its banner comes that late); under STRICT it is closed after
// HANDSHAKE_WAIT_MS.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { destinationPort } from '../http/destination-port.js';
import type { WorkloadTls } from '../identity/workload-tls.js';
import { ALPN_TCP } from '../upstream/upstream-tls.js';
import type { InboundMutualTls } from '../xds/compile-inbound-tls.js';
import { sniffFirstBytes } from './first-bytes.js';
import { createInboundTls } from './inbound-tls.js';

// A peer sidecar sends its ClientHello as it connects: a second of silence is a client waiting for the app.
export const PLAINTEXT_AFTER_MS = 1000;
const HANDSHAKE_WAIT_MS = 10_000;
// A TLS record of type handshake (RFC 8446 §5.1).
const TLS_HANDSHAKE = 0x16;

/** How a TCP inbound listener takes callers: in mutual TLS (as its config says), 'plaintext' only (DISABLE), or undefined before its first config. */
export type InboundTcpSecurity = InboundMutualTls | 'plaintext' | undefined;

export interface InboundTcpTlsOptions {
  /** This workload's certificate; undefined: a mesh without a CA, every connection plaintext. */
  workload: WorkloadTls | undefined;
  /** How connections sent to `port` are taken, as the config says now. */
  security(port: number | undefined): InboundTcpSecurity;
  /** Proxies an accepted connection (paused): the TLS socket once its client checks out, or the plaintext one. */
  proxy(socket: Socket): void;
  logger: Logger;
}

/** Takes each new connection of the listener (paused, nothing read) to `proxy`, or closes it. */
export function createInboundTcpTls(options: InboundTcpTlsOptions): (socket: Socket) => void {
  const { workload, proxy, logger } = options;
  const mutualTls = (port: number | undefined): InboundMutualTls | undefined => {
    const security = options.security(port);
    return typeof security === 'object' ? security : undefined;
  };
  const tls =
    workload &&
    createInboundTls({ workload, mode: mutualTls, alpn: [ALPN_TCP] }, (socket: TLSSocket) => proxy(socket), logger);
  return (socket) => {
    const security = options.security(destinationPort(socket));
    if (tls === undefined || security === 'plaintext') {
      proxy(socket);
      return;
    }
    // As on every proxied connection: Nagle off (a TLS socket's setNoDelay does not reach the TCP one).
    socket.setNoDelay(true);
    const plaintext = (): void => {
      if (tls.admitsPlaintext(socket, 'tcp')) proxy(socket);
    };
    const isStrict = security !== undefined && !security.acceptsPlaintext;
    sniffFirstBytes(
      socket,
      (bytes) => bytes[0] === TLS_HANDSHAKE,
      (isTls) => (isTls ? tls.accept(socket) : plaintext()),
      isStrict ? HANDSHAKE_WAIT_MS : PLAINTEXT_AFTER_MS,
      plaintext,
    );
  };
}
