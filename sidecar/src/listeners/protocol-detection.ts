// Cleartext HTTP/1.1 or HTTP/2 on one port, or TLS: an h2 client opens with the connection preface
// (RFC 9113 §3.4), an HTTP/1.1 client with its request line, a TLS client with a handshake record
// (its ClientHello), and all speak first, so the first bytes decide without waiting on anything a
// client would not send anyway.
import type { Socket } from 'node:net';
import { sniffFirstBytes } from './first-bytes.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

// A TLS record of type handshake (RFC 8446 §5.1); no HTTP method starts with it.
const TLS_HANDSHAKE = 0x16;

export type DetectedProtocol = 'h2' | 'http1' | 'tls';

/** 'tls' for a handshake record, 'h2' for the whole preface, 'http1' as soon as a byte differs, undefined while the bytes so far are a prefix of it. */
export function detectProtocol(bytes: Buffer): DetectedProtocol | undefined {
  if (bytes[0] === TLS_HANDSHAKE) return 'tls';
  const length = Math.min(bytes.length, PREFACE.length);
  for (let i = 0; i < length; i++) if (bytes[i] !== PREFACE[i]) return 'http1';
  return length === PREFACE.length ? 'h2' : undefined;
}

/**
 * Reads a new connection's first bytes, puts them back, and hands the socket over by protocol.
 * A connection that sends nothing that decides for `timeoutMs`, or fails or ends first, is closed.
 */
export function sniffProtocol(
  socket: Socket,
  timeoutMs: number,
  onDetected: (socket: Socket, protocol: DetectedProtocol) => void,
): void {
  sniffFirstBytes(socket, detectProtocol, (protocol) => onDetected(socket, protocol), timeoutMs);
}
