import assert from 'node:assert/strict';
import { connect as connectH2 } from 'node:http2';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { DEFAULT_LISTENER_LIMITS } from '../../../shared/listener-limits.js';
import type { Listener } from './listener.js';
import { createProxyListener } from './proxy-listener.js';

/** The :status of one h2 request to the listener on `port` (the client may send a header block past 64 KiB). */
async function h2StatusOf(port: number, headers: Record<string, string>): Promise<number> {
  const session = connectH2(`http://127.0.0.1:${port}`, { maxSendHeaderBlockLength: 256 * 1024 });
  try {
    return await new Promise<number>((resolve, reject) => {
      const req = session.request({ ':path': '/', ':authority': 'backend', ...headers });
      req.on('response', (answer) => resolve(Number(answer[':status'])));
      req.on('error', reject);
      req.resume();
      req.end();
    });
  } finally {
    session.close();
  }
}

/** Sends `head` (request line and header lines) on a fresh connection; the status line's code. */
function statusOf(port: number, head: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => {
      answer += chunk;
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (match) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.on('error', reject);
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
  });
}

const fields = (count: number) => Array.from({ length: count }, (_, i) => `x-field-${i}: ${i}`);

describe('request headers a listener refuses', () => {
  let proxy: Listener;
  let port: number;

  before(async () => {
    // No config yet: a request that passes the header checks gets the 503 "no configuration".
    proxy = createProxyListener({ name: 'outbound', getConfig: () => undefined, logger: pino({ level: 'silent' }) });
    port = (await proxy.listen('127.0.0.1', 0)).port;
  });

  after(() => proxy.close(0));

  it('answers two Host headers with 400, not routing by the first', async () => {
    assert.equal(await statusOf(port, ['GET / HTTP/1.1', 'Host: backend', 'Host: admin']), 400);
    assert.equal(await statusOf(port, ['GET / HTTP/1.1', 'Host: backend']), 503);
  });

  it('answers more than 100 header fields with 431 instead of forwarding part of them', async () => {
    assert.equal(await statusOf(port, ['GET / HTTP/1.1', 'Host: backend', ...fields(99)]), 503);
    assert.equal(await statusOf(port, ['GET / HTTP/1.1', 'Host: backend', ...fields(100)]), 431);
    assert.equal(await statusOf(port, ['GET / HTTP/1.1', 'Host: backend', ...fields(10_000)]), 431);
  });

  it('answers more than 100 header fields over HTTP/2 with 431', async () => {
    assert.equal(await h2StatusOf(port, Object.fromEntries(fields(101).map((line) => line.split(': ')))), 431);
  });

  it('answers an h2 request with a 100 KiB header with 431 on the outbound listener', async () => {
    assert.equal(await h2StatusOf(port, { 'x-big': 'a'.repeat(60 * 1024) }), 503);
    assert.equal(await h2StatusOf(port, { 'x-big': 'a'.repeat(100 * 1024) }), 431);
  });

  it("takes as many header fields as the listener's config says now (MeshConfig maxRequestHeaders)", async () => {
    let maxRequestHeaders = 20;
    const limited = createProxyListener({
      name: 'outbound',
      getConfig: () => undefined,
      getLimits: () => ({ ...DEFAULT_LISTENER_LIMITS, maxRequestHeaders }),
      logger: pino({ level: 'silent' }),
    });
    const limitedPort = (await limited.listen('127.0.0.1', 0)).port;
    try {
      assert.equal(await statusOf(limitedPort, ['GET / HTTP/1.1', 'Host: backend', ...fields(19)]), 503);
      assert.equal(await statusOf(limitedPort, ['GET / HTTP/1.1', 'Host: backend', ...fields(20)]), 431);
      assert.equal(await h2StatusOf(limitedPort, Object.fromEntries(fields(21).map((line) => line.split(': ')))), 431);
      // Past Envoy's default of 100 once the config says so.
      maxRequestHeaders = 200;
      assert.equal(await statusOf(limitedPort, ['GET / HTTP/1.1', 'Host: backend', ...fields(150)]), 503);
      assert.equal(await h2StatusOf(limitedPort, Object.fromEntries(fields(150).map((line) => line.split(': ')))), 503);
    } finally {
      await limited.close(0);
    }
  });
});
