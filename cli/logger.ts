// Process logs: JSON lines on stderr (stdout stays for command output), written synchronously so
// the last lines before an exit are not lost (request logs, which are hot, go elsewhere); level from
// PILOTFISH_LOG_LEVEL (default info).
import { pino, type Logger } from 'pino';

export function createLogger(component: string): Logger {
  return pino(
    { name: component, level: process.env.PILOTFISH_LOG_LEVEL ?? 'info' },
    pino.destination({ fd: 2, sync: true }),
  );
}
