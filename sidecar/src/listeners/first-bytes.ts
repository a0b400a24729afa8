// Reading a new connection's first bytes to tell what it speaks, then handing it over untouched.
import type { Socket } from 'node:net';

/**
 * Reads the connection's first bytes until `detect` decides, puts them back, pauses the socket and
 * hands over what was decided. A connection that fails or ends before that, or sends nothing that
 * decides within `timeoutMs` (when given), is destroyed; with `onSilence`, one that has sent nothing
 * at all by then is handed to it instead (paused: a client waiting for the server to speak first).
 */
export function sniffFirstBytes<T>(
  socket: Socket,
  detect: (bytes: Buffer) => T | undefined,
  onDetected: (detected: T) => void,
  timeoutMs?: number,
  onSilence?: () => void,
): void {
  let read: Buffer | undefined;
  const onFailure = (): void => {
    socket.destroy();
  };
  const release = (): void => {
    socket.off('data', onData);
    socket.off('error', onFailure);
    socket.off('end', onFailure);
    if (timeoutMs !== undefined) {
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
    }
    socket.pause();
  };
  const onData = (chunk: Buffer): void => {
    read = read === undefined ? chunk : Buffer.concat([read, chunk]);
    const detected = detect(read);
    if (detected === undefined) return;
    release();
    socket.unshift(read);
    onDetected(detected);
  };
  const onTimeout = (): void => {
    if (read !== undefined || onSilence === undefined) return onFailure();
    release();
    onSilence();
  };
  socket.on('data', onData);
  socket.on('error', onFailure);
  socket.on('end', onFailure);
  if (timeoutMs !== undefined) socket.setTimeout(timeoutMs, onTimeout);
  socket.resume();
}
