// Small real apps for tests: an HTTP server that names itself in every answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';

export interface TestApp {
  server: Server;
  port: number;
  /** Requests seen, by method and path. */
  requests: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined> }>;
  close(): Promise<void>;
}

/** An app answering `200 <name>` (JSON with its name, method, url, HTTP version and the request headers). */
export function startNamedApp(name: string): Promise<TestApp> {
  return startApp(answerWithName(name));
}

/** The answer of startNamedApp: `200` with JSON naming the app and what it was asked. */
export function answerWithName(name: string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name });
      res.end(
        JSON.stringify({ name, method: req.method, url: req.url, version: req.httpVersion, headers: req.headers }),
      );
    });
  };
}

/**
 * An app like startApp that speaks HTTP/1.1 and cleartext HTTP/2 on one port (the h2 preface
 * decides); h2 requests reach `handle` through node:http2's compatibility API.
 */
export async function startBilingualApp(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestApp> {
  const app = await startApp(handle);
  // h2 requests take the HTTP/1.1 server's request path too, so they are counted alike.
  const h2 = createH2Server((req, res) => app.server.emit('request', req, res));
  const sessions = new Set<Http2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const [http1Connection] = app.server.listeners('connection') as Array<(socket: Socket) => void>;
  app.server.removeAllListeners('connection');
  app.server.on('connection', (socket: Socket) => {
    let read = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      read = Buffer.concat([read, chunk]);
      // "PRI" starts only the h2 preface; no HTTP/1.1 method does.
      if (read.length < 3) return;
      socket.off('data', onData);
      socket.pause();
      socket.unshift(read);
      if (read.subarray(0, 3).toString('latin1') === 'PRI') {
        h2.emit('connection', socket);
        return;
      }
      http1Connection?.call(app.server, socket);
      socket.resume();
    };
    socket.on('data', onData);
  });
  const close = app.close;
  return Object.assign(app, {
    close() {
      for (const session of sessions) session.destroy();
      return close();
    },
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
