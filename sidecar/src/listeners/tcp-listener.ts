// A raw TCP listener of the sidecar (an outbound tcp_proxy listener, or the inbound listener of a
// TCP app): accepts each connection paused — nothing is read or waited for, but the first bytes an
// inbound listener reads to tell mutual TLS from plaintext (inbound-tcp-tls.ts) — and hands it to a
// TcpConnection with the route in force at that moment. close() stops accepting and gives open
// connections `drainMs` to end before it cuts them.
import { createServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { TcpConnection, type TcpRoute, type TcpTelemetry } from '../tcp-proxy/tcp-connection.js';
import { drainSockets } from './drain-sockets.js';
import { createInboundTcpTls, type InboundTcpTlsOptions } from './inbound-tcp-tls.js';
import { listenOn, type Listener } from './listener.js';

export interface TcpListenerOptions {
  name: string;
  /** Read per connection; undefined refuses it (no config for this listener any more). */
  route(): TcpRoute | undefined;
  /** Where a connection is counted (the socket proxied: its verified peer, if any), read per connection. */
  telemetry(socket: Socket): TcpTelemetry | undefined;
  /** An inbound listener's mutual TLS; none: connections are proxied as they come. */
  inboundTls?: Pick<InboundTcpTlsOptions, 'workload' | 'security'>;
  logger: Logger;
}

export function createTcpListener({ name, route, telemetry, inboundTls, logger }: TcpListenerOptions): Listener {
  const open = new Set<Socket>();
  const proxy = (downstream: Socket): void => {
    const current = route();
    if (current === undefined) downstream.destroy();
    else new TcpConnection(downstream, current, telemetry(downstream)).start();
  };
  const accept = inboundTls === undefined ? proxy : createInboundTcpTls({ ...inboundTls, proxy, logger });
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (downstream) => {
    open.add(downstream);
    downstream.once('close', () => open.delete(downstream));
    accept(downstream);
  });

  return {
    listen: (host, port) => listenOn(server, name, host, port, logger),
    async close(drainMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await drainSockets(open, drainMs);
      await closed;
    },
  };
}
