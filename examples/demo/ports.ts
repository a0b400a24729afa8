// Ports for the demo's processes, which must be told their listeners before they start: a block
// from --base-port, or ports the OS picks.
import { createServer, type Server } from 'node:net';

/**
 * `count` distinct free ports on 127.0.0.1. All are held open until every one is bound, so the
 * OS cannot hand out the same port twice; with `basePort`, the block basePort…basePort+count-1.
 */
export async function allocatePorts(count: number, basePort?: number): Promise<number[]> {
  if (basePort !== undefined && basePort + count - 1 > 65535) {
    throw new Error(
      `--base-port ${basePort}: the demo needs ${count} ports, so the base must be at most ${65536 - count}`,
    );
  }
  const servers: Server[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const port = basePort === undefined ? 0 : basePort + index;
      servers.push(await bind(port));
    }
    return servers.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

async function bind(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`127.0.0.1:${port} is not free for the demo (pick another --base-port)`, { cause: error })),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}
