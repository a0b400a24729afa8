// A free TCP port on 127.0.0.1, as the OS picks it, for components that must be told their port
// before they start (the demo's processes, nginx and haproxy in the benchmarks).
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
