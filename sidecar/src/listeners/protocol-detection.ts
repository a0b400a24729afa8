// Cleartext HTTP/1.1 or HTTP/2 on one port: an h2 client opens with the connection preface
// (RFC 9113 §3.4), an HTTP/1.1 client with its request line, and both speak first, so the first
// bytes decide without waiting on anything a client would not send anyway.
import type { Socket } from 'node:net';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export type DetectedProtocol = 'h2' | 'http1';

/** 'h2' for the whole preface, 'http1' as soon as a byte differs, undefined while the bytes so far are a prefix of it. */
export function detectProtocol(bytes: Buffer): DetectedProtocol | undefined {
  const length = Math.min(bytes.length, PREFACE.length);
  for (let i = 0; i < length; i++) if (bytes[i] !== PREFACE[i]) return 'http1';
  return length === PREFACE.length ? 'h2' : undefined;
}

/**
 * Reads a new connection's first bytes, puts them back, and hands the socket over by protocol.
 * A connection that sends nothing for `timeoutMs`, or fails first, is closed.
 */
export function sniffProtocol(
  socket: Socket,
  timeoutMs: number,
  onDetected: (socket: Socket, protocol: DetectedProtocol) => void,
): void {
  let read: Buffer | undefined;
  const onError = (): void => {
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    read = read === undefined ? chunk : Buffer.concat([read, chunk]);
    const protocol = detectProtocol(read);
    if (protocol === undefined) return;
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('timeout', onError);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(read);
    onDetected(socket, protocol);
  };
  socket.on('data', onData);
  socket.on('error', onError);
  socket.setTimeout(timeoutMs, onError);
}
