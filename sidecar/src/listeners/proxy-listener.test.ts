import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { compileInboundConfig, compileProxyConfig, type ProxyConfig } from '../xds/compile.js';
import { received, sentResources, type EndpointFixture } from '../../test-support/compile-fixtures.js';
import type { Listener } from './listener.js';
import { createProxyListener } from './proxy-listener.js';

const logger = pino({ level: 'silent' });
const BACKEND = 'backend.default.svc.cluster.local';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body })).on('error', reject);
      },
    );
    req.on('error', reject).end(options.body);
  });
}

/** Writes raw bytes and reads until the proxy closes the connection. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text)).on('error', reject);
  });
}

function outboundTo(endpoints: EndpointFixture[]): ProxyConfig {
  return compileProxyConfig(received(sentResources('default', [{ name: 'backend', namespace: 'default', endpoints }])));
}

describe('proxy listener', () => {
  const servers: Server[] = [];
  const listeners: Listener[] = [];
  const configs: ProxyConfig[] = [];
  /** Per-test behaviour of the app behind the proxy. */
  let appHandler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  let appPort = 0;

  async function start(
    config: ProxyConfig | undefined,
    name: 'inbound' | 'outbound' = 'outbound',
  ): Promise<[number, Listener]> {
    if (config) configs.push(config);
    const listener = createProxyListener({ name, getConfig: () => config, logger });
    listeners.push(listener);
    return [(await listener.listen('127.0.0.1', 0)).port, listener];
  }

  async function startApp(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
    const server = createServer(handler);
    servers.push(server);
    return listen(server);
  }

  before(async () => {
    appPort = await startApp((req, res) => appHandler(req, res));
  });

  after(async () => {
    await Promise.all(listeners.map((listener) => listener.close(0)));
    await Promise.all(configs.map((config) => config.hosts.closeAll()));
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('forwards method, path, headers and body to the app and its answer back, hop-by-hop headers removed', async () => {
    let seen: { method?: string; url?: string; headers?: IncomingHttpHeaders; digest?: string } = {};
    appHandler = (req, res) => {
      const hash = createHash('sha256');
      req.on('data', (chunk: Buffer) => hash.update(chunk));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, headers: req.headers, digest: hash.digest('hex') };
        res.writeHead(201, {
          connection: 'x-hop',
          'x-hop': 'secret',
          'keep-alive': 'timeout=99',
          'x-app': 'yes',
          'set-cookie': ['a=1', 'b=2'],
        });
        res.end('created');
      });
    };
    const [port] = await start(outboundTo([{ port: appPort }]));
    const body = 'x'.repeat(3 * 1024 * 1024);
    const answer = await send(port, '/upload?a=1', {
      method: 'POST',
      body,
      headers: {
        host: 'backend:8080',
        connection: 'x-private',
        'x-private': 'drop me',
        'x-forwarded-for': '10.0.0.1',
        'proxy-authorization': 'Basic x',
      },
    });
    assert.deepEqual(
      [answer.status, answer.body, answer.headers['x-app'], answer.headers['set-cookie']],
      [201, 'created', 'yes', ['a=1', 'b=2']],
    );
    assert.equal(answer.headers['x-hop'], undefined, 'the app-side hop headers stay on their hop');
    assert.notEqual(answer.headers['keep-alive'], 'timeout=99');
    assert.deepEqual(
      [seen.method, seen.url, seen.digest],
      ['POST', '/upload?a=1', createHash('sha256').update(body).digest('hex')],
    );
    const headers = seen.headers ?? {};
    assert.equal(headers.host, 'backend:8080', 'Host preserved');
    assert.deepEqual([headers['x-private'], headers['proxy-authorization']], [undefined, undefined]);
    assert.equal(headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(headers['x-forwarded-proto'], 'http');
    assert.match(String(headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('streams both ways: the app sees the first request chunk, and the client the first response chunk, before either ends', async () => {
    appHandler = (req, res) => {
      res.writeHead(200);
      // Echo each chunk as it comes: only works if neither direction is buffered.
      req.on('data', (chunk: Buffer) => res.write(`echo:${chunk.toString()}`));
      req.on('end', () => res.end());
    };
    const [port] = await start(outboundTo([{ port: appPort }]));
    const chunks: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', method: 'POST', headers: { host: 'backend' }, agent: false },
        (res) => {
          res.setEncoding('utf8').on('data', (chunk: string) => {
            chunks.push(chunk);
            if (chunks.length === 1) req.end('second');
          });
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.write('first');
    });
    assert.deepEqual(chunks, ['echo:first', 'echo:second']);
  });

  it('takes the authority from an absolute-form target, as HTTP_PROXY clients send it', async () => {
    appHandler = (req, res) => res.end(`${req.headers.host} ${req.url}`);
    const [port] = await start(outboundTo([{ port: appPort }]));
    const answer = await rawExchange(
      port,
      'GET http://backend.default:8080/x?y=1 HTTP/1.1\r\nHost: ignored\r\nConnection: close\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 200 OK/);
    assert.match(answer, /backend\.default:8080 \/x\?y=1$/);
  });

  it('forwards a POST that expects 100-continue, as curl sends large bodies', async () => {
    appHandler = (req, res) => {
      let length = 0;
      req
        .on('data', (chunk: Buffer) => (length += chunk.length))
        .on('end', () => res.end(`${length} ${req.headers.expect ?? 'no expect'}`));
    };
    const [port] = await start(outboundTo([{ port: appPort }]));
    assert.equal(
      (
        await send(port, '/', {
          method: 'POST',
          headers: { host: 'backend', expect: '100-continue' },
          body: 'y'.repeat(2048),
        })
      ).body,
      '2048 no expect',
    );
  });

  it('answers 404 naming an unknown host', async () => {
    const [port] = await start(outboundTo([{ port: appPort }]));
    const answer = await send(port, '/', { headers: { host: 'nosuch:80' } });
    assert.deepEqual([answer.status, answer.body], [404, 'no route for host "nosuch" (outbound listener)\n']);
  });

  it('answers 503 naming the cluster when no endpoint is healthy', async () => {
    const [port] = await start(
      outboundTo([
        { port: appPort, health: 'UNHEALTHY' },
        { port: appPort + 1, health: 'DRAINING' },
      ]),
    );
    const answer = await send(port, '/', { headers: { host: 'backend' } });
    assert.deepEqual([answer.status, answer.body], [503, `no healthy endpoint for cluster "${BACKEND}"\n`]);
  });

  it('answers 503 before any config has arrived', async () => {
    const [port] = await start(undefined);
    const answer = await send(port, '/', { headers: { host: 'backend' } });
    assert.deepEqual(
      [answer.status, answer.body],
      [503, 'no configuration for the outbound listener from the control plane yet\n'],
    );
  });

  it('answers 503 naming the endpoint when the app refuses the connection', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const [proxyPort] = await start(compileInboundConfig(port), 'inbound');
    const answer = await send(proxyPort, '/', { headers: { host: 'x' } });
    assert.equal(answer.status, 503);
    assert.equal(
      answer.body,
      `upstream connect error: ECONNREFUSED connecting to 127.0.0.1:${port} (cluster "inbound|${port}")\n`,
    );
  });

  it('answers 502 naming the cause when the app resets before answering', async () => {
    const [proxyPort] = await start(compileInboundConfig(await startApp((req) => req.socket.destroy())), 'inbound');
    const answer = await send(proxyPort, '/', { headers: { host: 'x' } });
    assert.equal(answer.status, 502);
    assert.match(
      answer.body,
      /^upstream reset before response headers: UND_ERR_SOCKET \(other side closed\) from 127\.0\.0\.1:\d+/,
    );
  });

  it('resets the client connection when the app fails after its answer started', async () => {
    const appPort = await startApp((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const [proxyPort] = await start(compileInboundConfig(appPort), 'inbound');
    await assert.rejects(send(proxyPort, '/', { headers: { host: 'x' } }), /aborted|ECONNRESET|socket hang up/);
  });

  it('cancels the upstream request when the client hangs up', async () => {
    const appClosed = new Promise<void>((resolve) => {
      appHandler = (_req, res) => res.on('close', () => resolve());
    });
    const [port] = await start(outboundTo([{ port: appPort }]));
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /slow HTTP/1.1\r\nHost: backend\r\n\r\n'));
    setTimeout(() => socket.destroy(), 100);
    await appClosed;
  });

  it('answers a malformed request line with 400 naming the parse error, and serves the next request', async () => {
    appHandler = (_req, res) => res.end('fine');
    const [port] = await start(outboundTo([{ port: appPort }]));
    const answer = await rawExchange(port, 'GET /\x01 HTTP/1.1\r\nHost: backend\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(answer, /malformed request: HPE_INVALID_[A-Z_]+ \(outbound listener\)\n$/);
    assert.equal((await rawExchange(port, 'BREW / HTTP/1.1\r\n\r\n')).match(/HPE_[A-Z_]+/)?.[0], 'HPE_INVALID_METHOD');
    assert.equal((await send(port, '/', { headers: { host: 'backend' } })).body, 'fine');
  });

  it('answers request headers over 64 KiB with 431', async () => {
    const [port] = await start(outboundTo([{ port: appPort }]));
    const answer = await rawExchange(
      port,
      `GET / HTTP/1.1\r\nHost: backend\r\nx-big: ${'a'.repeat(70 * 1024)}\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  });

  it('lets an in-flight request finish on close and refuses new connections meanwhile', async () => {
    // The app holds the request until the test lets it go: it is in flight throughout.
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slowPort = await startApp((_req, res) => {
      arrived();
      void released.then(() => res.end('done'));
    });
    const [port, listener] = await start(compileInboundConfig(slowPort), 'inbound');
    const inFlight = send(port, '/', { headers: { host: 'x' } });
    await requestArrived;
    let isClosed = false;
    const closing = listener.close(5000).then(() => (isClosed = true));
    await assert.rejects(send(port, '/', { headers: { host: 'x' } }), /ECONNREFUSED/);
    assert.equal(isClosed, false, 'close() waits for the request in flight');
    release();
    assert.deepEqual([(await inFlight).status, (await inFlight).body], [200, 'done']);
    await closing;
  });

  it('cuts what is still in flight when the drain time is over', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const stuckPort = await startApp(() => arrived());
    const [port, listener] = await start(compileInboundConfig(stuckPort), 'inbound');
    const inFlight = send(port, '/', { headers: { host: 'x' } });
    await requestArrived;
    const started = Date.now();
    await listener.close(100);
    assert.ok(Date.now() - started < 2000);
    await assert.rejects(inFlight, /socket hang up|ECONNRESET/);
  });
});
