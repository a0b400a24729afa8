// Small real apps for tests: an HTTP server that names itself in every answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestApp {
  server: Server;
  port: number;
  /** Requests seen, by method and path. */
  requests: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined> }>;
  close(): Promise<void>;
}

/** An app answering `200 <name>` (JSON with its name, method, url and the request headers). */
export function startNamedApp(name: string): Promise<TestApp> {
  return startApp((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name });
      res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers }));
    });
  });
}

/** An app whose every answer `handle` makes; it counts what it was asked like startNamedApp. */
export async function startApp(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestApp> {
  const requests: TestApp['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
