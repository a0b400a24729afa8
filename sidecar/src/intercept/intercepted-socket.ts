// What intercept mode keeps on an accepted connection, for the requests it carries: the address it
// was sent to. HTTP/2 requests see their session's socket through a proxy that reads its properties.
// And the server both intercepting listeners run: each connection accepted paused, handed to `accept`.
import { createServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { keepOriginalPort } from '../http/destination-port.js';
import { drainSockets } from '../listeners/drain-sockets.js';
import { listenOn, type Listener } from '../listeners/listener.js';
import type { ProxyListener } from '../listeners/proxy-listener.js';
import type { OriginalDestination } from './original-destination.js';

const DESTINATION = Symbol('pilotfish.originalDestination');

type Intercepted = Socket & { [DESTINATION]?: OriginalDestination };

export function keepDestination(socket: Socket, destination: OriginalDestination): void {
  (socket as Intercepted)[DESTINATION] = destination;
  keepOriginalPort(socket, destination.port);
}

/** Undefined for a connection that was not intercepted (a direct call to the listener). */
export function destinationOf(socket: Intercepted | null | undefined): OriginalDestination | undefined {
  return socket?.[DESTINATION];
}

/** A listener whose connections `accept` takes; close() drains the HTTP listener and the `open` TCP connections. */
export function createInterceptServer(
  name: 'inbound' | 'outbound',
  accept: (socket: Socket) => void,
  http: ProxyListener,
  open: ReadonlySet<Socket>,
  logger: Logger,
): Listener {
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (socket) => {
    try {
      accept(socket);
    } catch (error) {
      logger.error({ err: error, listener: name }, 'intercepted connection failed inside the proxy');
      socket.destroy();
    }
  });
  return {
    listen: (host, port) => listenOn(server, name, host, port, logger),
    async close(drainMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([http.close(drainMs), drainSockets(open, drainMs)]);
      await closed;
    },
  };
}
