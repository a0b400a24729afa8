// The end of a raw TCP listener's graceful close: open connections get up to `drainMs` to end,
// then what is left is cut.
import type { Socket } from 'node:net';

export async function drainSockets(open: ReadonlySet<Socket>, drainMs: number): Promise<void> {
  if (open.size > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, drainMs);
      const check = (): void => {
        if (open.size > 0) return;
        clearTimeout(timer);
        resolve();
      };
      for (const socket of open) socket.once('close', check);
    });
  }
  for (const socket of open) socket.destroy();
}
