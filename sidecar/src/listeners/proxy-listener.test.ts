import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { TYPE_URL, decodeResource, encodeResource } from '../../../proto/xds.js';
import { translate } from '../../../control-plane/src/translate/translate.js';
import { httpRequest } from '../../../test/support/http.js';
import { compileInboundConfig, compileProxyConfig, type ProxyConfig } from '../xds/compile.js';
import { createProxyListener, type Listener } from './proxy-listener.js';

const logger = pino({ level: 'silent' });

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function startListener(config: ProxyConfig | undefined): Promise<[Listener, string]> {
  const listener = createProxyListener({ name: 'outbound', getConfig: () => config, logger });
  const address = await listener.listen('127.0.0.1', 0);
  return [listener, `127.0.0.1:${address.port}`];
}

function rawExchange(address: string, request: string): Promise<string> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host, () => socket.write(request));
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text)).on('error', reject);
  });
}

describe('proxy listener', () => {
  const servers: Server[] = [];
  const listeners: Listener[] = [];
  let app: Server;
  let appPort: number;
  let proxy: string;

  before(async () => {
    app = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(200, { connection: 'x-hop', 'x-hop': 'secret', 'keep-alive': 'timeout=99', 'x-app': 'yes' });
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyBytes: Buffer.concat(chunks).length }));
      });
    });
    servers.push(app);
    appPort = await listen(app);
    const [listener, address] = await startListener(compileInboundConfig(appPort));
    listeners.push(listener);
    proxy = address;
  });

  after(async () => {
    await Promise.all(listeners.map((listener) => listener.close(0)));
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('forwards method, path, body and headers, and strips hop-by-hop headers both ways', async () => {
    const body = 'x'.repeat(1024 * 1024);
    const result = await httpRequest(proxy, '/upload?a=1', {
      method: 'POST',
      body,
      headers: { host: 'backend:8080', connection: 'x-private', 'x-private': 'drop me', 'x-forwarded-for': '10.0.0.1', 'content-length': String(body.length) },
    });
    assert.equal(result.status, 200);
    const seen = JSON.parse(result.body) as { method: string; url: string; headers: Record<string, string>; bodyBytes: number };
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/upload?a=1');
    assert.equal(seen.bodyBytes, body.length);
    assert.equal(seen.headers.host, 'backend:8080');
    assert.equal(seen.headers['x-private'], undefined, 'headers listed in Connection stay on their hop');
    assert.equal(seen.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.match(seen.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(result.headers['x-app'], 'yes');
    assert.equal(result.headers['x-hop'], undefined);
    assert.equal(result.headers['keep-alive']?.includes('timeout=99'), false, "the app's keep-alive header stays on its hop");
  });

  it('answers 503 naming the endpoint when the upstream refuses the connection', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [listener, address] = await startListener(compileInboundConfig(port));
    listeners.push(listener);
    const result = await httpRequest(address, '/', { headers: { host: 'x' } });
    assert.equal(result.status, 503);
    assert.match(result.body, new RegExp(`upstream connect error: ECONNREFUSED connecting to 127\\.0\\.0\\.1:${port}`));
  });

  it('answers 502 when the upstream resets before answering', async () => {
    const resetting = createServer((req) => req.socket.destroy());
    servers.push(resetting);
    const [listener, address] = await startListener(compileInboundConfig(await listen(resetting)));
    listeners.push(listener);
    const result = await httpRequest(address, '/', { headers: { host: 'x' } });
    assert.equal(result.status, 502);
    assert.match(result.body, /upstream reset before response headers/);
  });

  it('answers 404 naming an unknown host, and 503 naming a service with no healthy endpoint', async () => {
    const snapshot = translate([{ name: 'empty', namespace: 'default', instances: [] }], 'default');
    const decode = (typeUrl: string, map: Map<string, object>) => new Map([...map].map(([k, v]) => [k, decodeResource(encodeResource(typeUrl, v)) as never]));
    const config = compileProxyConfig(
      {
        listeners: decode(TYPE_URL.listener, snapshot[TYPE_URL.listener]),
        routes: decode(TYPE_URL.route, snapshot[TYPE_URL.route]),
        clusters: decode(TYPE_URL.cluster, snapshot[TYPE_URL.cluster]),
        endpoints: decode(TYPE_URL.endpoint, snapshot[TYPE_URL.endpoint]),
      },
      'outbound',
    );
    const [listener, address] = await startListener(config);
    listeners.push(listener);
    const unknown = await httpRequest(address, '/', { headers: { host: 'nosuch:80' } });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body, /no route for host "nosuch"/);
    const empty = await httpRequest(address, '/', { headers: { host: 'empty' } });
    assert.equal(empty.status, 503);
    assert.match(empty.body, /no healthy endpoint for cluster "empty\.default\.svc\.cluster\.local"/);
  });

  it('answers 503 before any config arrived', async () => {
    const [listener, address] = await startListener(undefined);
    listeners.push(listener);
    const result = await httpRequest(address, '/', { headers: { host: 'backend' } });
    assert.equal(result.status, 503);
    assert.match(result.body, /no route configuration from the control plane yet/);
  });

  it('answers a malformed request line with 400 naming the parse error, and serves the next request', async () => {
    const answer = await rawExchange(proxy, 'GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request/);
    assert.match(answer, /malformed request: HPE_INVALID_/);
    assert.equal((await httpRequest(proxy, '/', { headers: { host: 'x' } })).status, 200);
  });

  it('answers headers over 64 KiB with 431', async () => {
    const answer = await rawExchange(proxy, `GET / HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(70 * 1024)}\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 431 Request Header Fields Too Large/);
  });

  it('lets an in-flight request finish on close and refuses new connections', async () => {
    const slow = createServer((_req, res) => setTimeout(() => res.end('done'), 300));
    servers.push(slow);
    const listener = createProxyListener({ name: 'inbound', getConfig: () => config, logger });
    const config = compileInboundConfig(await listen(slow));
    const address = `127.0.0.1:${(await listener.listen('127.0.0.1', 0)).port}`;
    const inFlight = httpRequest(address, '/', { headers: { host: 'x' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = listener.close(5000);
    await assert.rejects(rawExchange(address, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /ECONNREFUSED/);
    assert.equal((await inFlight).body, 'done');
    await closing;
  });
});
