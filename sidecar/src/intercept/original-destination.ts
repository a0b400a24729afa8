// The destination a connection had before iptables redirected it to this sidecar (SO_ORIGINAL_DST),
// read by the @pilotfish/original-dst addon that npm builds at install. Intercept mode needs it;
// without it the sidecar runs in its classic mode only.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

export interface OriginalDestination {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/** The original destination of an accepted socket; undefined when it was not redirected. */
export type OriginalDestinationReader = (socket: Socket) => OriginalDestination | undefined;

interface Addon {
  originalDestination(fd: number): OriginalDestination | null;
}

/** The reader, or an Error saying why this installation cannot read original destinations. */
export function loadOriginalDestinationReader(): OriginalDestinationReader | Error {
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)('@pilotfish/original-dst') as Addon;
  } catch (error) {
    return new Error(
      'intercept mode needs the @pilotfish/original-dst addon (SO_ORIGINAL_DST), which was not built at install: ' +
        'it needs Linux, a C compiler, make and python3 (Debian: build-essential python3); ' +
        `then run npm rebuild @pilotfish/original-dst (${(error as Error).message})`,
      { cause: error },
    );
  }
  return (socket) => {
    // Node keeps the descriptor on the socket's libuv handle; it has no public accessor.
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (fd === undefined || fd < 0) return undefined;
    return addon.originalDestination(fd) ?? undefined;
  };
}
