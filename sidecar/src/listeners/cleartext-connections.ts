// How a cleartext proxy listener's connections reach its servers: the HTTP/1.1 server listens, and
// each connection it accepts goes by its first bytes to the h2 server (the h2 preface) or back to
// it, so HTTP/1.1 keeps Node's own connection handling (and its speed). With mutual TLS, a TLS
// ClientHello is taken by the inbound TLS, and once the client checks out its connection goes by
// ALPN as a cleartext one by its preface; plaintext only where the config allows it.
import type { Server } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { createInboundTls, type InboundTlsOptions } from './inbound-tls.js';
import type { ListenerSessions } from './listener-sessions.js';
import { sniffProtocol } from './protocol-detection.js';

export interface CleartextConnectionsOptions {
  mutualTls: InboundTlsOptions | undefined;
  requestHeadersTimeoutMs(): number;
  sessions: ListenerSessions;
  /** The mutual TLS connections open, kept to be cut when a drain ends. */
  tlsSockets: Set<TLSSocket>;
  logger: Logger;
}

export function routeCleartextConnections(
  h1: Server,
  h2: Http2Server | Http2SecureServer,
  { mutualTls, requestHeadersTimeoutMs, sessions, tlsSockets, logger }: CleartextConnectionsOptions,
): void {
  const [http1Connection] = h1.listeners('connection') as Array<(socket: Socket) => void>;
  h1.removeAllListeners('connection');
  const inboundTls =
    mutualTls &&
    createInboundTls(
      mutualTls,
      (socket) => {
        tlsSockets.add(socket);
        socket.once('close', () => tlsSockets.delete(socket));
        if (socket.alpnProtocol === 'h2') sessions.handOver(socket, () => h2.emit('connection', socket));
        else http1Connection?.call(h1, socket);
      },
      logger,
    );
  h1.on('connection', (socket: Socket) =>
    sniffProtocol(socket, requestHeadersTimeoutMs(), (detected, protocol) => {
      if (protocol === 'tls') {
        // As Node's HTTP server does for the connections it takes itself: Nagle off.
        detected.setNoDelay(true);
        if (inboundTls === undefined) detected.destroy();
        else inboundTls.accept(detected);
        return;
      }
      if (inboundTls?.admitsPlaintext(detected, protocol) === false) return;
      if (protocol === 'h2') {
        h2.emit('connection', detected);
        return;
      }
      http1Connection?.call(h1, detected);
      detected.resume();
    }),
  );
}
