// Intercept mode's inbound listener (15006): every connection iptables redirected to the pod goes
// to the app on the port it was sent to (the original destination's), as HTTP through the inbound
// HTTP listener or as raw TCP, by what the port is declared to speak or, undeclared, by the
// client's first bytes. A connection made to the port directly goes to --app-port. Raw TCP from a
// peer sidecar comes in mutual TLS (inbound-tcp-tls.ts), one TLS server per app port.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Listener } from '../listeners/listener.js';
import type { ProxyListener } from '../listeners/proxy-listener.js';
import { keepOriginalPort } from '../http/destination-port.js';
import { createInboundTcpTls, type InboundTcpTlsOptions } from '../listeners/inbound-tcp-tls.js';
import { TcpConnection, type TcpRoute, type TcpTelemetry } from '../tcp-proxy/tcp-connection.js';
import { sniffInbound, type InboundProtocol } from './inbound-protocol.js';
import { createInterceptServer, keepDestination } from './intercepted-socket.js';
import type { OriginalDestinationReader } from './original-destination.js';

export interface InboundInterceptOptions {
  readDestination: OriginalDestinationReader;
  appPort: number;
  /** What the app's ports speak, where declared. */
  ports: ReadonlyMap<number, InboundProtocol>;
  /** The inbound HTTP listener: takes HTTP connections, unbound itself. */
  http: ProxyListener;
  /** The raw TCP route to the app's port. */
  tcpRoute(port: number): TcpRoute;
  /** Where a TCP connection is counted (the socket proxied: its verified peer, if any). */
  tcpTelemetry(socket: Socket): TcpTelemetry;
  tcpTls: Pick<InboundTcpTlsOptions, 'workload' | 'security'>;
  logger: Logger;
}

export function createInboundIntercept(options: InboundInterceptOptions): Listener {
  const { logger } = options;
  const open = new Set<Socket>();
  const tcpByPort = new Map<number, (socket: Socket) => void>();
  const acceptTcp = (port: number): ((socket: Socket) => void) => {
    let accept = tcpByPort.get(port);
    if (accept === undefined) {
      const proxy = (socket: Socket): void => {
        // A TLS socket is not the redirected one: RBAC's destination port is kept on it too.
        keepOriginalPort(socket, port);
        new TcpConnection(socket, options.tcpRoute(port), options.tcpTelemetry(socket)).start();
      };
      tcpByPort.set(port, (accept = createInboundTcpTls({ ...options.tcpTls, proxy, logger })));
    }
    return accept;
  };

  function accept(socket: Socket): void {
    const destination = options.readDestination(socket) ?? {
      address: socket.localAddress ?? '',
      port: options.appPort,
      family: 'IPv4',
    };
    keepDestination(socket, destination);
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const toApp = (protocol: InboundProtocol): void => {
      if (protocol === 'http') {
        socket.resume();
        options.http.handOver(socket);
        return;
      }
      acceptTcp(destination.port)(socket);
    };
    const declared = options.ports.get(destination.port);
    if (declared === undefined) sniffInbound(socket, toApp);
    else toApp(declared);
  }

  return createInterceptServer('inbound', accept, options.http, open, logger);
}
