import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { freePort } from '../../../test/support/free-port.js';
import { addHealthService, NOT_SERVING, SERVING } from '../../../test/support/grpc-health.js';
import type { Listener } from './listener.js';
import { createStatusListener } from './status-listener.js';
import { parseAppProbes } from './app-probe-schema.js';

// Kubelet's view: GET on the status port, whose answers follow the app's own probes (real app servers).
describe('status listener', () => {
  let app: Server;
  let tcpApp: TcpServer;
  let grpcApp: grpc.Server;
  let status: Listener;
  let statusPort: number;
  let isReady = false;
  let grpcStatus = SERVING;
  const seenHeaders: string[] = [];

  const get = async (path: string) => (await fetch(`http://127.0.0.1:${statusPort}${path}`)).status;

  before(async () => {
    app = createHttpServer((req, res) => {
      seenHeaders.push(String(req.headers['x-probe']));
      res.writeHead(req.url === '/healthz' ? 200 : 500).end();
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    tcpApp = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => tcpApp.listen(0, '127.0.0.1', resolve));
    grpcApp = new grpc.Server();
    addHealthService(grpcApp, () => grpcStatus);
    const grpcPort = await new Promise<number>((resolve, reject) =>
      grpcApp.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    const httpPort = (app.address() as AddressInfo).port;
    const tcpPort = (tcpApp.address() as AddressInfo).port;
    const probes = parseAppProbes(
      JSON.stringify({
        '/app-health/web/livez': {
          timeoutSeconds: 1,
          httpGet: {
            path: '/healthz',
            port: httpPort,
            scheme: 'HTTP',
            httpHeaders: [{ name: 'X-Probe', value: 'live' }],
          },
        },
        '/app-health/web/readyz': { timeoutSeconds: 1, httpGet: { path: '/broken', port: httpPort, scheme: 'HTTP' } },
        '/app-health/db/livez': { timeoutSeconds: 1, tcpSocket: { port: tcpPort } },
        '/app-health/db/readyz': { timeoutSeconds: 1, tcpSocket: { port: await freePort() } },
        '/app-health/api/livez': { timeoutSeconds: 1, grpc: { port: grpcPort } },
      }),
    );
    status = createStatusListener({ isReady: () => isReady, appProbes: probes, logger: pino({ level: 'silent' }) });
    statusPort = (await status.listen('127.0.0.1', 0)).port;
  });

  after(async () => {
    await status.close(0);
    app.close();
    tcpApp.close();
    grpcApp.forceShutdown();
  });

  it('answers /healthz/ready with 503 until the sidecar has config, then 200', async () => {
    assert.equal(await get('/healthz/ready'), 503);
    isReady = true;
    assert.equal(await get('/healthz/ready'), 200);
  });

  it("forwards an http probe with its headers and passes the app's answer on", async () => {
    assert.equal(await get('/app-health/web/livez'), 200);
    assert.ok(seenHeaders.includes('live'));
    assert.equal(await get('/app-health/web/readyz'), 503);
  });

  it('passes a tcp probe when the app accepts and fails it when nothing listens', async () => {
    assert.equal(await get('/app-health/db/livez'), 200);
    assert.equal(await get('/app-health/db/readyz'), 503);
  });

  it('passes a grpc probe only while the app says SERVING', async () => {
    assert.equal(await get('/app-health/api/livez'), 200);
    grpcStatus = NOT_SERVING;
    assert.equal(await get('/app-health/api/livez'), 503);
  });

  it('answers 404 for a path with no probe', async () => {
    assert.equal(await get('/app-health/nope/livez'), 404);
  });

  it('refuses a PILOTFISH_APP_PROBES value it cannot use, naming the field', () => {
    assert.throws(() => parseAppProbes('{'), { message: 'PILOTFISH_APP_PROBES is not JSON' });
    assert.throws(() => parseAppProbes('{"/app-health/a/livez":{"timeoutSeconds":1,"tcpSocket":{"port":0}}}'), {
      message: /^PILOTFISH_APP_PROBES: \/app-health\/a\/livez/,
    });
  });
});
