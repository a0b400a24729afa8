// The port a connection was sent to: the one iptables redirected it from (intercept mode keeps it on
// the socket), else the port it reached. What RBAC's destination_port, Istio's `ports`, match.
import type { Socket } from 'node:net';

const ORIGINAL_PORT = Symbol('pilotfish.originalPort');

type Redirected = Socket & { [ORIGINAL_PORT]?: number };

export function keepOriginalPort(socket: Socket, port: number): void {
  (socket as Redirected)[ORIGINAL_PORT] = port;
}

/** An HTTP/2 request's socket is a proxy of its session's: the port reads through it. */
export function destinationPort(socket: Socket): number | undefined {
  return (socket as Redirected)[ORIGINAL_PORT] ?? socket.localPort;
}
