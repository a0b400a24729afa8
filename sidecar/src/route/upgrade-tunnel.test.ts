import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Listener } from '../listeners/listener.js';
import { createProxyListener } from '../listeners/proxy-listener.js';
import { compileProxyConfig, type ProxyConfig } from '../xds/compile.js';
import { received, sentResources } from '../../test-support/compile-fixtures.js';

const logger = pino({ level: 'silent' });
const BACKEND = 'backend.default.svc.cluster.local';
const UPGRADE = 'GET /chat HTTP/1.1\r\nHost: backend\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';

/** An app that accepts every upgrade with a 101 and then echoes what it receives. */
async function startUpgradingApp(): Promise<Server> {
  const server = createServer((_req, res) => res.end());
  server.on('upgrade', (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Sends the upgrade request and reads until `until` matches what came back. */
async function upgrade(port: number, until: RegExp): Promise<[Socket, string]> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  socket.write(UPGRADE);
  let text = '';
  while (!until.test(text)) {
    const [chunk] = (await once(socket, 'data')) as [string];
    text += chunk;
  }
  return [socket, text];
}

describe('upgrade tunnel', () => {
  let app: Server;
  let appPort: number;
  const listeners: Listener[] = [];
  const configs: ProxyConfig[] = [];

  before(async () => {
    app = await startUpgradingApp();
    appPort = (app.address() as AddressInfo).port;
  });

  after(async () => {
    await Promise.all(listeners.map((listener) => listener.close(0)));
    await Promise.all(configs.map((config) => config.hosts.closeAll()));
    app.closeAllConnections();
    app.close();
  });

  /** A proxy listener routing `backend` to `port`; `hcm` changes its HttpConnectionManager. */
  async function proxyTo(port: number, hcm: Record<string, unknown>): Promise<[number, ProxyConfig, Listener]> {
    const sent = sentResources('default', [{ name: 'backend', namespace: 'default', endpoints: [{ port }] }]);
    Object.assign(sent.listeners[0]!.filter_chains[0].filters.at(-1).typed_config, hcm);
    const config = compileProxyConfig(received(sent));
    configs.push(config);
    const listener = createProxyListener({ name: 'outbound', getConfig: () => config, logger });
    listeners.push(listener);
    return [(await listener.listen('127.0.0.1', 0)).port, config, listener];
  }

  it('refuses with 403 an upgrade the listener does not enable', async () => {
    const [port] = await proxyTo(appPort, {});
    const [socket, answer] = await upgrade(port, /\r\n\r\n[\s\S]*\n/);
    assert.match(answer, /^HTTP\/1\.1 403 /);
    assert.match(answer, /upgrade "websocket" is not enabled on the outbound listener/);
    socket.destroy();
  });

  it('relays the 101 and then bytes both ways, counting the open tunnel against the circuit breaker', async () => {
    const [port, config] = await proxyTo(appPort, { upgrade_configs: [{ upgrade_type: 'websocket' }] });
    const [socket, answer] = await upgrade(port, /\r\n\r\n/);
    assert.match(answer, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    const active = (): number | undefined => config.clusters.get(BACKEND)?.stats.activeRequests;
    assert.equal(active(), 1);
    socket.write('ping');
    const [echoed] = (await once(socket, 'data')) as [string];
    assert.equal(echoed, 'ping');
    socket.end();
    await once(socket, 'close');
    for (let i = 0; i < 100 && active() !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(active(), 0, 'released when the tunnel closed');
  });

  it('answers 503 (upstream connect error) when the endpoint refuses the connection', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = (closed.address() as AddressInfo).port;
    closed.close();
    const [port] = await proxyTo(deadPort, { upgrade_configs: [{ upgrade_type: 'websocket' }] });
    const [socket, answer] = await upgrade(port, /\r\n\r\n[\s\S]*\n/);
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.match(
      answer,
      /upstream connect error: ECONNREFUSED connecting to 127\.0\.0\.1:\d+ \(cluster "backend\.default\.svc\.cluster\.local"\)/,
    );
    socket.destroy();
  });

  it('closes a tunnel idle for the stream idle timeout', async () => {
    const [port] = await proxyTo(appPort, {
      upgrade_configs: [{ upgrade_type: 'websocket' }],
      stream_idle_timeout: { nanos: 200_000_000 },
    });
    const [socket] = await upgrade(port, /\r\n\r\n/);
    const started = performance.now();
    await once(socket, 'close');
    assert.ok(performance.now() - started >= 150, 'not before the idle timeout');
  });

  it('cuts a tunnel still open when the listener has drained for its drain time', async () => {
    const [port, , listener] = await proxyTo(appPort, { upgrade_configs: [{ upgrade_type: 'websocket' }] });
    const [socket] = await upgrade(port, /\r\n\r\n/);
    const closed = once(socket, 'close');
    await listener.close(100);
    await closed;
  });
});
