import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AppConfig } from './app-config.js';

const SERVICE = 'app.default.svc.cluster.local';

describe('app config endpoint (GET /v1/config)', () => {
  let appConfig: AppConfig;
  let server: Server;
  let port: number;

  before(async () => {
    appConfig = new AppConfig({ service: SERVICE, keepAliveMs: 50 });
    server = createServer((req, res) =>
      req.url?.includes('watch=true') ? appConfig.watch(req, res) : appConfig.get(req, res),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    appConfig.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function get(headers: Record<string, string> = {}): Promise<{ status: number; etag: string; body: string }> {
    return new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/v1/config', headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag), body }));
      })
        .on('error', reject)
        .end();
    });
  }

  function watch(): Promise<{ res: IncomingMessage; text: () => string }> {
    return new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/v1/config?watch=true', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        resolve({ res, text: () => text });
      })
        .on('error', reject)
        .end();
    });
  }

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(check());
  };

  it('serves empty parameters and no version before any config, with a strong ETag and 304 on a match', async () => {
    const first = await get();
    assert.equal(first.status, 200);
    assert.deepEqual(JSON.parse(first.body), { service: SERVICE, version: '', parameters: {} });
    assert.match(first.etag, /^"[0-9a-f]{16}"$/);
    assert.equal((await get({ 'if-none-match': first.etag })).status, 304);
    assert.equal((await get({ 'if-none-match': `W/${first.etag}` })).status, 304, 'If-None-Match compares weakly');
    assert.equal((await get({ 'if-none-match': '*' })).status, 304);
    assert.equal((await get({ 'if-none-match': '"nope"' })).status, 200);
  });

  it('versions parameters by content: key order does not matter, and equal parameters change nothing', () => {
    assert.equal(appConfig.update({ b: 1, a: { y: 2, x: 1 } }), true);
    const version = appConfig.version;
    assert.match(version, /^[0-9a-f]{16}$/);
    assert.equal(appConfig.update({ a: { x: 1, y: 2 }, b: 1 }), false);
    assert.equal(appConfig.version, version);
    assert.equal(
      appConfig.update({}),
      true,
      'empty parameters from a ServiceConfig are a version, unlike no ServiceConfig',
    );
    assert.notEqual(appConfig.version, '');
    assert.equal(appConfig.update(undefined), true);
    assert.equal(appConfig.version, '');
  });

  it('streams the current config at once, one event per change and none for an unchanged update, with keep-alive comments', async () => {
    appConfig.update({ flag: false });
    const stream = await watch();
    assert.equal(stream.res.headers['content-type'], 'text/event-stream');
    await until(() => stream.text().includes('\n\n'));
    assert.equal(
      stream.text(),
      `event: config\nid: ${appConfig.version}\ndata: {"service":"${SERVICE}","version":"${appConfig.version}","parameters":{"flag":false}}\n\n`,
    );
    appConfig.update({ flag: false });
    appConfig.update({ flag: true });
    await until(() => stream.text().split('event: config').length === 3);
    assert.match(stream.text(), /data: \{[^\n]*"parameters":\{"flag":true\}\}\n\n/);
    await until(() => stream.text().includes(': keep-alive\n\n'));
    stream.res.destroy();
  });

  it('forgets a watcher when it disconnects, and stops the keep-alive timer with the last one', async () => {
    const streams = await Promise.all([watch(), watch(), watch()]);
    await until(() => appConfig.watcherCount === 3);
    for (const stream of streams) stream.res.destroy();
    await until(() => appConfig.watcherCount === 0);
  });
});
