// Mutual TLS on the inbound listener: a connection opening with a TLS record is handed to a TLS
// server holding this workload's certificate (swapped on renewal for new connections; open ones
// keep theirs), which asks for the client's certificate and checks it against the trust bundle
// before any request is read; a plaintext connection is served only where the peer authentication
// in force on the port it was sent to allows it (PERMISSIVE, DISABLE), else answered with why and closed (STRICT).
// A TCP app's inbound listener takes only the ALPN of TCP passthrough; an HTTP one, only h2 and http/1.1.
import type { Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { destinationPort } from '../http/destination-port.js';
import type { WorkloadTls } from '../identity/workload-tls.js';
import type { InboundMutualTls } from '../xds/compile-inbound-tls.js';
import type { DetectedProtocol } from './protocol-detection.js';

export interface InboundTlsOptions {
  workload: WorkloadTls;
  /** The mutual TLS of connections sent to `port`, as the config says now; undefined: plaintext (DISABLE, or no inbound config yet). */
  mode(port: number | undefined): InboundMutualTls | undefined;
  /** The ALPN values clients must offer one of; h2 and http/1.1 when not given. */
  alpn?: string[];
}

export interface InboundTls {
  /** Takes a connection that opened with a TLS record; `secured` gets it once the client checks out. */
  accept(socket: Socket): void;
  /** Whether a plaintext connection may be served; when not, it has been answered and closed. */
  admitsPlaintext(socket: Socket, protocol: Exclude<DetectedProtocol, 'tls'> | 'tcp'): boolean;
}

const STRICT_REFUSAL =
  "mutual TLS required: this sidecar's PeerAuthentication is STRICT, and plaintext connections are refused; call it through a sidecar of the mesh\n";

export function createInboundTls(
  options: InboundTlsOptions,
  secured: (socket: TLSSocket) => void,
  logger: Logger,
): InboundTls {
  const server = createServer({
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: options.alpn ?? ['h2', 'http/1.1'],
    ...options.workload.current?.options,
  });
  options.workload.onChange((state) => server.setSecureContext(state.options));
  server.on('secureConnection', secured);
  // A client certificate that fails verification ends the handshake with no error of its own: the reason is authorizationError.
  server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) =>
    logger.warn(
      {
        listener: 'inbound',
        remote: socket.remoteAddress,
        reason: socket.authorizationError?.toString() ?? error.code ?? error.message,
      },
      'mutual TLS handshake refused: the client certificate is missing, expired or not signed by the trust bundle',
    ),
  );
  return {
    accept(socket) {
      if (options.workload.current === undefined) {
        logger.warn(
          { listener: 'inbound', remote: socket.remoteAddress },
          'TLS connection closed: no workload certificate yet',
        );
        socket.destroy();
        return;
      }
      server.emit('connection', socket);
    },
    admitsPlaintext(socket, protocol) {
      const port = destinationPort(socket);
      const mode = options.mode(port);
      if (mode === undefined || mode.acceptsPlaintext) return true;
      logger.warn(
        { listener: 'inbound', remote: socket.remoteAddress, port, protocol },
        'plaintext connection refused: PeerAuthentication STRICT requires mutual TLS',
      );
      if (protocol === 'http1')
        socket.end(
          `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(STRICT_REFUSAL)}\r\nconnection: close\r\n\r\n${STRICT_REFUSAL}`,
        );
      else socket.destroy();
      return false;
    },
  };
}
