// Protocol detection on an inbound port nothing declared: HTTP when the client opens with an
// HTTP/1.x request line's method or the HTTP/2 preface, raw TCP otherwise. Only a client that
// speaks first can be told apart; a server-first protocol (SMTP, MySQL) must be declared, as in Istio.
import type { Socket } from 'node:net';
import { sniffFirstBytes } from '../listeners/first-bytes.js';

export type InboundProtocol = 'http' | 'tcp';

/** `--inbound-ports 9000=tcp,8081=http`: what the app's ports speak. */
export function parseInboundPorts(value: string): Map<number, InboundProtocol> {
  const ports = new Map<number, InboundProtocol>();
  for (const entry of value.split(',').filter(Boolean)) {
    const [port, protocol] = entry.split('=');
    const number = Number(port);
    if (!Number.isInteger(number) || number < 1 || number > 65535 || (protocol !== 'http' && protocol !== 'tcp'))
      throw new Error(`"${entry}" is not PORT=http or PORT=tcp (e.g. 9000=tcp)`);
    ports.set(number, protocol);
  }
  return ports;
}

// Longer than any method a client sends: "OPTIONS", "PRI" of the h2 preface, WebDAV's "PROPPATCH".
const MAX_METHOD_LENGTH = 20;

/** 'http' or 'tcp' once the bytes so far decide, undefined while they could still be a method. */
export function detectInboundProtocol(bytes: Buffer): InboundProtocol | undefined {
  const length = Math.min(bytes.length, MAX_METHOD_LENGTH + 1);
  for (let i = 0; i < length; i++) {
    const byte = bytes[i] as number;
    if (byte === 0x20) return i > 0 ? 'http' : 'tcp';
    // Methods are tokens; every registered one is uppercase letters and '-'.
    if (!((byte >= 0x41 && byte <= 0x5a) || byte === 0x2d)) return 'tcp';
  }
  return length > MAX_METHOD_LENGTH ? 'tcp' : undefined;
}

/**
 * Reads a paused connection's first bytes, puts them back, pauses it again and tells what it
 * speaks. A connection that closes or fails before it decides is destroyed.
 */
export function sniffInbound(socket: Socket, onDetected: (protocol: InboundProtocol) => void): void {
  sniffFirstBytes(socket, detectInboundProtocol, onDetected);
}
