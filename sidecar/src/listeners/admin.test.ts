import assert from 'node:assert/strict';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { freePort } from '../../../test/support/free-port.js';
import { waitFor } from '../../../test/support/processes.js';
import { compileProxyConfig, type ProxyConfig } from '../xds/compile.js';
import { received, sentResources } from '../../test-support/compile-fixtures.js';
import { createAdminListener } from './admin.js';
import type { Listener } from './listener.js';
import { createProxyListener } from './proxy-listener.js';

const logger = pino({ level: 'silent' });
const BACKEND = 'backend.default.svc.cluster.local';

/** The status of a GET through the proxy with a Host header (fetch does not let one set Host). */
function statusVia(proxyPort: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: proxyPort, path: '/', headers: { host }, agent: false }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('admin listener', () => {
  let app: Server;
  let appPort: number;
  let deadPort: number;
  let config: ProxyConfig;
  let proxy: Listener;
  let admin: Listener;
  let adminUrl: string;
  let proxyPort: number;
  let isReady = false;
  let quits = 0;

  before(async () => {
    app = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appPort = (app.address() as AddressInfo).port;
    deadPort = await freePort();
    const sent = sentResources('default', [
      {
        name: 'backend',
        namespace: 'default',
        endpoints: [{ port: appPort }, { port: deadPort }, { port: 1, health: 'UNHEALTHY' }],
      },
    ]);
    config = compileProxyConfig(received(sent));
    proxy = createProxyListener({ name: 'outbound', getConfig: () => config, logger });
    proxyPort = (await proxy.listen('127.0.0.1', 0)).port;
    admin = createAdminListener({
      isReady: () => isReady,
      configDump: () => ({ configs: ['dumped'] }),
      clusters: () => config.clusters.values(),
      quit: () => quits++,
      logger,
    });
    adminUrl = `http://127.0.0.1:${(await admin.listen('127.0.0.1', 0)).port}`;
  });

  after(async () => {
    await Promise.all([proxy.close(0), admin.close(0)]);
    await config.hosts.closeAll();
    app.closeAllConnections();
    app.close();
  });

  it('answers /ready with 503 until the sidecar is ready, then 200 LIVE', async () => {
    const first = await fetch(`${adminUrl}/ready`);
    assert.equal(first.status, 503);
    assert.match(await first.text(), /^PRE_INITIALIZING/);
    isReady = true;
    const second = await fetch(`${adminUrl}/ready`);
    assert.deepEqual([second.status, await second.text()], [200, 'LIVE\n']);
  });

  it('lists every endpoint with its health and counters on /clusters', async () => {
    // Round robin: the first request reaches the app, the second fails to connect to the dead port.
    assert.equal(await statusVia(proxyPort, 'backend'), 200);
    assert.equal(await statusVia(proxyPort, 'backend'), 503);
    const text = await (await fetch(`${adminUrl}/clusters`)).text();
    const lines = new Set(text.trimEnd().split('\n'));
    for (const line of [
      `${BACKEND}::127.0.0.1:${appPort}::hostname::backend-1`,
      `${BACKEND}::127.0.0.1:${appPort}::health_flags::healthy`,
      `${BACKEND}::127.0.0.1:${appPort}::rq_total::1`,
      `${BACKEND}::127.0.0.1:${appPort}::rq_active::0`,
      `${BACKEND}::127.0.0.1:${appPort}::cx_connect_fail::0`,
      `${BACKEND}::127.0.0.1:${deadPort}::cx_connect_fail::1`,
      `${BACKEND}::127.0.0.1:1::health_flags::/failed_eds_health`,
      `${BACKEND}::127.0.0.1:1::rq_total::0`,
    ]) {
      assert.ok(lines.has(line), `missing ${line} in\n${text}`);
    }
  });

  it('gives the same as JSON with ?format=json', async () => {
    const body = (await (await fetch(`${adminUrl}/clusters?format=json`)).json()) as {
      clusters: Array<{ name: string; endpoints: Array<Record<string, unknown>> }>;
    };
    assert.equal(body.clusters[0]?.name, BACKEND);
    assert.deepEqual(body.clusters[0]?.endpoints[2], {
      address: '127.0.0.1',
      port: 1,
      hostname: 'backend-3',
      health_status: 'UNHEALTHY',
      health_flags: '/failed_eds_health',
      rq_total: 0,
      rq_active: 0,
      cx_connect_fail: 0,
      rq_reset: 0,
    });
  });

  it('serves /config_dump as JSON and answers unknown paths with 404 listing the endpoints', async () => {
    assert.deepEqual(await (await fetch(`${adminUrl}/config_dump`)).json(), { configs: ['dumped'] });
    const missing = await fetch(`${adminUrl}/stats`);
    assert.equal(missing.status, 404);
    assert.deepEqual(((await missing.json()) as { endpoints: string[] }).endpoints, [
      'GET /ready',
      'GET /config_dump',
      'GET /clusters',
      'POST /quitquitquit',
    ]);
  });

  it('refuses to stop on a POST a browser page could send cross-origin (CSRF), naming why', async () => {
    const attempts: Array<Record<string, string>> = [
      { origin: 'http://attacker.example', 'content-type': 'text/plain' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'content-type': 'application/x-www-form-urlencoded' },
    ];
    for (const headers of attempts) {
      const answer = await fetch(`${adminUrl}/quitquitquit`, { method: 'POST', headers, body: 'x' });
      assert.equal(answer.status, 403, JSON.stringify(headers));
      assert.match(((await answer.json()) as { error: string }).error, /^POST \/quitquitquit refused: /);
    }
    assert.equal((await fetch(`${adminUrl}/ready`)).status, 200, 'the admin listener still serves');
    assert.equal(quits, 0);
  });

  it('answers POST /quitquitquit, then asks the sidecar to stop', async () => {
    assert.equal((await fetch(`${adminUrl}/quitquitquit`)).status, 404, 'only POST stops it');
    const answer = await fetch(`${adminUrl}/quitquitquit`, { method: 'POST' });
    assert.deepEqual([answer.status, await answer.text()], [200, 'OK\n']);
    await waitFor(() => quits === 1, 'the stop to be asked for');
  });
});
