// The access log: one JSON line per finished request on the sidecar's stdout (its own logs go to
// stderr), in the fields the listener's config names. Lines gather in a buffer that one coarse
// timer writes out with one asynchronous write, so the request path never waits on the pipe and
// pays no system call per line. While a write is in flight the buffer keeps filling up to its
// bound; lines past it are dropped and counted, as Envoy's access log drops when its buffer is full.
import { write as writeFd } from 'node:fs';
import type { AccessLogFormat, FinishedRequest } from './exchange.js';

export interface AccessLog {
  write(format: AccessLogFormat, request: FinishedRequest): void;
  /** Lines dropped because the buffer was full or the output refused them. */
  readonly dropped: number;
  /** Writes what is buffered, after what is in flight; called once, at stop. */
  flush(): Promise<void>;
}

export interface AccessLogOptions {
  fd?: number;
  /** How long a line may wait for the next write. */
  flushMs?: number;
  /** Buffered bytes at which a write starts without waiting for the timer. */
  writeAtBytes?: number;
  /** Bytes buffered and in flight past which lines are dropped. */
  maxBufferBytes?: number;
}

// A full pipe or a non-blocking descriptor answers EAGAIN: the write is tried again after this.
const RETRY_MS = 50;

export function createAccessLog({
  fd = 1,
  flushMs = 100,
  writeAtBytes = 64 * 1024,
  maxBufferBytes = 4 * 1024 * 1024,
}: AccessLogOptions = {}): AccessLog {
  let buffered = '';
  let bufferedLines = 0;
  // What is being written, whole or its unwritten rest, and its lines (counted as dropped if it fails).
  let inFlight: Buffer | undefined;
  let inFlightLines = 0;
  let timer: NodeJS.Timeout | undefined;
  let dropped = 0;
  let onIdle: (() => void) | undefined;

  function schedule(): void {
    timer ??= setTimeout(startWrite, flushMs).unref();
  }

  function startWrite(): void {
    timer = undefined;
    if (inFlight !== undefined) return;
    if (buffered === '') {
      const idle = onIdle;
      onIdle = undefined;
      idle?.();
      return;
    }
    inFlight = Buffer.from(buffered);
    inFlightLines = bufferedLines;
    buffered = '';
    bufferedLines = 0;
    writeFd(fd, inFlight, 0, inFlight.length, null, onWritten);
  }

  function onWritten(error: NodeJS.ErrnoException | null, written: number): void {
    const chunk = inFlight as Buffer;
    if (error?.code === 'EAGAIN') {
      setTimeout(() => writeFd(fd, chunk, 0, chunk.length, null, onWritten), RETRY_MS).unref();
      return;
    }
    if (error === null && written < chunk.length) {
      inFlight = chunk.subarray(written);
      writeFd(fd, inFlight, 0, inFlight.length, null, onWritten);
      return;
    }
    if (error !== null) dropped += inFlightLines;
    inFlight = undefined;
    inFlightLines = 0;
    if (buffered.length >= writeAtBytes || onIdle !== undefined) startWrite();
    else if (buffered !== '') schedule();
  }

  return {
    write(format, request) {
      const line = format.line(request);
      // Lines are ASCII but for header values, so string length bounds the buffer closely enough.
      if (buffered.length + (inFlight?.length ?? 0) + line.length > maxBufferBytes) {
        dropped++;
        return;
      }
      buffered += line;
      bufferedLines++;
      if (buffered.length >= writeAtBytes && inFlight === undefined) startWrite();
      else schedule();
    },
    get dropped() {
      return dropped;
    },
    flush() {
      return new Promise<void>((resolve) => {
        onIdle = resolve;
        clearTimeout(timer);
        startWrite();
      });
    },
  };
}
