// What main.ts starts and stops: a listener bound to an address, closed gracefully.
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

export interface Listener {
  listen(host: string, port: number): Promise<AddressInfo>;
  /** Stops accepting; waits up to `drainMs` for in-flight requests, then closes what is left. */
  close(drainMs: number): Promise<void>;
}

/** Binds `server`; once bound, later server errors are logged instead of crashing the process. */
export function listenOn(
  server: Server,
  name: string,
  host: string,
  port: number,
  logger: Logger,
): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onListenError = (error: Error): void =>
      reject(new Error(`${name} listener cannot listen on ${host}:${port}`, { cause: error }));
    server.once('error', onListenError);
    server.listen(port, host, () => {
      server.off('error', onListenError);
      server.on('error', (error) => logger.error({ err: error, listener: name }, 'listener error'));
      resolve(server.address() as AddressInfo);
    });
  });
}
