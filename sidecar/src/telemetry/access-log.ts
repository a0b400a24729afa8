// The access log: one JSON line per finished request on the sidecar's stdout (its own logs go to
// stderr), in the fields the listener's config names. Lines are written through pino's
// asynchronous destination, so the request path never waits on the pipe.
import pino from 'pino';
import type { AccessLogValue, FinishedRequest } from './access-log-operators.js';

/** The fields of a line, in order, each with how its value is found. */
export interface AccessLogFormat {
  fields: ReadonlyArray<readonly [key: string, value: AccessLogValue | string]>;
}

export interface AccessLog {
  write(format: AccessLogFormat, request: FinishedRequest): void;
  /** Writes what is buffered; called once, at stop. */
  flush(): void;
}

export function formatAccessLogLine(format: AccessLogFormat, request: FinishedRequest): string {
  const line: Record<string, string | number | null> = {};
  for (const [key, value] of format.fields) line[key] = typeof value === 'string' ? value : value(request);
  return `${JSON.stringify(line)}\n`;
}

export function createAccessLog(fd = 1): AccessLog {
  const destination = pino.destination({ dest: fd, sync: false });
  return {
    write: (format, request) => destination.write(formatAccessLogLine(format, request)),
    flush: () => destination.flushSync(),
  };
}
