// A raw TCP listener of the sidecar (an outbound tcp_proxy listener, or the inbound listener of a
// TCP app): accepts each connection paused — nothing is read or waited for — and hands it to a
// TcpConnection with the route in force at that moment. close() stops accepting and gives open
// connections `drainMs` to end before it cuts them.
import { createServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { TcpConnection, type TcpRoute, type TcpTelemetry } from '../upstream/tcp-connection.js';
import { listenOn, type Listener } from './listener.js';

export interface TcpListenerOptions {
  name: string;
  /** Read per connection; undefined refuses it (no config for this listener any more). */
  route(): TcpRoute | undefined;
  /** Where the listener's connections are counted, read per connection. */
  telemetry(): TcpTelemetry | undefined;
  logger: Logger;
}

export function createTcpListener({ name, route, telemetry, logger }: TcpListenerOptions): Listener {
  const open = new Set<Socket>();
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (downstream) => {
    const current = route();
    if (current === undefined) {
      downstream.destroy();
      return;
    }
    open.add(downstream);
    downstream.once('close', () => open.delete(downstream));
    new TcpConnection(downstream, current, telemetry()).start();
  });

  return {
    listen: (host, port) => listenOn(server, name, host, port, logger),
    async close(drainMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if (open.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainMs);
          const check = (): void => {
            if (open.size > 0) return;
            clearTimeout(timer);
            resolve();
          };
          for (const socket of open) socket.once('close', check);
        });
      }
      for (const socket of open) socket.destroy();
      await closed;
    },
  };
}
