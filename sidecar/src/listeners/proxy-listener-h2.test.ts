import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  connect,
  constants,
  createServer as createH2Server,
  type ClientHttp2Session,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startBilingualApp } from '../../../test/support/apps.js';
import { compileInboundConfig, type ProxyConfig } from '../xds/compile.js';
import type { Listener } from './listener.js';
import { createProxyListener, type ProxyListenerOptions } from './proxy-listener.js';

const logger = pino({ level: 'silent' });

interface H2Answer {
  status: number;
  body: string;
  trailers: IncomingHttpHeaders;
}

/** One h2 request on `session`; rejects when the stream is reset. */
function h2Request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':authority': 'app', ...headers }, { endStream: body === undefined });
    let status = 0;
    let text = '';
    let trailers: IncomingHttpHeaders = {};
    stream.setEncoding('utf8');
    stream.on('response', (received) => (status = Number(received[':status'])));
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('trailers', (received) => (trailers = received));
    stream.on('end', () => resolve({ status, body: text, trailers }));
    stream.on('close', () => {
      if (stream.rstCode !== constants.NGHTTP2_NO_ERROR) reject(new Error(`stream reset with code ${stream.rstCode}`));
    });
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

/** A self-signed certificate for 127.0.0.1, made by openssl for this run. */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('proxy listener: HTTP/1.1 and HTTP/2', () => {
  const listeners: Listener[] = [];
  const configs: ProxyConfig[] = [];
  const closers: Array<() => void> = [];
  let appPort = 0;
  let h2AppPort = 0;
  let h2App: Http2Server;
  // Told the RST_STREAM code a /slow-grpc stream of the app closed with.
  let onSlowCallClosed: ((rstCode: number) => void) | undefined;

  async function start(config: ProxyConfig, tls?: ProxyListenerOptions['tls']): Promise<number> {
    configs.push(config);
    const listener = createProxyListener({ name: 'inbound', getConfig: () => config, tls, logger });
    listeners.push(listener);
    return (await listener.listen('127.0.0.1', 0)).port;
  }

  function session(url: string, options = {}): ClientHttp2Session {
    const opened = connect(url, options);
    closers.push(() => opened.destroy());
    return opened;
  }

  before(async () => {
    // An app speaking HTTP/1.1 and h2c, answering with the protocol it was reached by and the body's length.
    const app = await startBilingualApp((req: IncomingMessage, res: ServerResponse) => {
      let length = 0;
      req.on('data', (chunk: Buffer) => (length += chunk.length));
      req.on('end', () => res.end(`${req.method} ${req.url} HTTP/${req.httpVersion} ${length}`));
    });
    appPort = app.port;
    closers.push(() => void app.close());
    // An h2c app: trailers, resets before and after its headers, GOAWAY, and a gRPC call that never ends.
    h2App = createH2Server();
    h2App.on('stream', (stream, headers) => {
      stream.on('error', () => undefined);
      const path = headers[':path'];
      if (path === '/refuse') return stream.close(constants.NGHTTP2_REFUSED_STREAM);
      if (path === '/slow-grpc') {
        // Answers one message's worth and never ends: the caller's deadline ends the call.
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
        stream.write(Buffer.from([0, 0, 0, 0, 0]));
        stream.on('close', () => onSlowCallClosed?.(stream.rstCode));
        return;
      }
      if (path === '/cut') {
        stream.respond({ ':status': 200 });
        stream.write('partial', () => stream.destroy(new Error('the app failed mid-response')));
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc' }));
      stream.end(`h2 ${path}`);
      if (path === '/goaway') stream.session?.goaway();
    });
    await new Promise<void>((resolve) => h2App.listen(0, '127.0.0.1', resolve));
    h2AppPort = (h2App.address() as AddressInfo).port;
    closers.push(() => h2App.close());
  });

  after(async () => {
    for (const close of closers) close();
    await Promise.all(listeners.map((listener) => listener.close(0)));
    await Promise.all(configs.map((config) => config.hosts.closeAll()));
  });

  it('serves HTTP/1.1 and h2 clients on one cleartext port, each reaching an http app in its own protocol, request bodies included', async () => {
    const port = await start(compileInboundConfig(appPort));
    const http1 = await fetch(`http://127.0.0.1:${port}/one`, { method: 'POST', body: 'x'.repeat(70_000) });
    assert.equal(await http1.text(), 'POST /one HTTP/1.1 70000');
    const h2 = session(`http://127.0.0.1:${port}`);
    assert.equal(
      (await h2Request(h2, { ':method': 'POST', ':path': '/two' }, 'y'.repeat(70_000))).body,
      'POST /two HTTP/2.0 70000',
    );
    assert.equal((await h2Request(h2, { ':path': '/three' })).body, 'GET /three HTTP/2.0 0');
  });

  it('under TLS, serves HTTP/1.1 and h2 on one port by ALPN', async () => {
    const { key, cert } = selfSigned();
    const port = await start(compileInboundConfig(appPort), { key, cert });
    const http1 = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/tls-one', ca: cert, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(`${(res.socket as TLSSocket).alpnProtocol || 'none'}: ${body}`));
      });
      req.on('error', reject).end();
    });
    assert.equal(http1, 'none: GET /tls-one HTTP/1.1 0');
    const h2 = session(`https://127.0.0.1:${port}`, { ca: cert });
    assert.equal((await h2Request(h2, { ':path': '/tls-two' })).body, 'GET /tls-two HTTP/2.0 0');
    assert.equal(h2.alpnProtocol, 'h2');
  });

  it("speaks h2 to an http2 app, relays its trailers, and resets the caller's stream when the app cuts the response", async () => {
    const port = await start(compileInboundConfig(h2AppPort, 'http2'));
    const h2 = session(`http://127.0.0.1:${port}`);
    const answer = await h2Request(h2, { ':path': '/with-trailers' });
    assert.deepEqual([answer.status, answer.body, answer.trailers['x-checksum']], [200, 'h2 /with-trailers', 'abc']);
    await assert.rejects(h2Request(h2, { ':path': '/cut' }), /NGHTTP2_INTERNAL_ERROR|stream reset/);
    const refused = await fetch(`http://127.0.0.1:${port}/refuse`);
    assert.equal(refused.status, 502);
    assert.match(
      await refused.text(),
      /^upstream reset before response headers: REFUSED_STREAM \(HTTP\/2 stream reset before response headers \(RST_STREAM code 7\)\)/,
    );
  });

  it('answers a connect failure to an h2 app with 503, and a gRPC caller with UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const port = await start(compileInboundConfig(closedPort, 'grpc'));
    const plain = await fetch(`http://127.0.0.1:${port}/x`);
    assert.equal(plain.status, 503);
    assert.match(
      await plain.text(),
      new RegExp(`^upstream connect error: ECONNREFUSED connecting to 127\\.0\\.0\\.1:${closedPort}`),
    );
    const h2 = session(`http://127.0.0.1:${port}`);
    const grpcAnswer = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      const stream = h2.request({
        ':method': 'POST',
        ':path': '/pkg.Svc/Call',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('response', resolve).on('error', reject);
      stream.end();
    });
    assert.equal(grpcAnswer[':status'], 200);
    assert.equal(grpcAnswer['grpc-status'], '14');
    assert.match(String(grpcAnswer['grpc-message']), /^upstream connect error: ECONNREFUSED/);
  });

  it("ends a gRPC call whose grpc-timeout passes mid-response with DEADLINE_EXCEEDED trailers, and cancels the app's stream", async (t) => {
    // The deadline runs on a mocked clock, moved on once the app's first message has arrived.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const port = await start(compileInboundConfig(h2AppPort, 'grpc'));
    const appClosed = new Promise<number>((resolve) => (onSlowCallClosed = resolve));
    const stream = session(`http://127.0.0.1:${port}`).request({
      ':authority': 'app',
      ':method': 'POST',
      ':path': '/slow-grpc',
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': '200m',
    });
    stream.end();
    const trailers = new Promise<IncomingHttpHeaders>((resolve) => stream.once('trailers', resolve));
    const [response] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    await once(stream, 'data');
    t.mock.timers.tick(200);
    const received = await trailers;
    assert.equal(response[':status'], 200);
    assert.equal(received['grpc-status'], '4');
    assert.match(
      String(received['grpc-message']),
      /^upstream request timeout: no complete response within the caller's grpc-timeout of 200 ms/,
    );
    assert.equal(await appClosed, constants.NGHTTP2_CANCEL);
  });

  it('opens a new upstream session after the app sends GOAWAY', async () => {
    const port = await start(compileInboundConfig(h2AppPort, 'grpc'));
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/goaway`)).text(), 'h2 /goaway');
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/after`)).text(), 'h2 /after');
  });
});
