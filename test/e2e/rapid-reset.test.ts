// HTTP/2 rapid reset (CVE-2023-44487) against a real sidecar process: one cleartext h2 connection
// opens and cancels 5,000 streams at once on the outbound listener. Streams cancelled before they
// were forwarded never reach the app, the connection gets GOAWAY and is closed, and the sidecar's
// memory returns to where it was before.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, constants } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { startBilingualApp, type TestApp } from '../support/apps.js';
import { rapidResetFrames, sendRawH2 } from '../support/h2-frames.js';
import { httpRequest } from '../support/http.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';

const STREAMS = 5000;

/**
 * Ordinary h2c traffic on the outbound listener, `count` requests `inFlight` at a time: a sidecar's
 * idle level is that of one that has served requests (its allocator holds what their streams used).
 */
async function serveOrdinaryRequests(outbound: string, count: number, inFlight: number): Promise<void> {
  const session = connect(`http://${outbound}`);
  try {
    const one = () =>
      new Promise<void>((resolve, reject) => {
        const stream = session.request({ ':path': '/', host: 'backend' });
        stream.on('error', reject).resume().on('end', resolve);
      });
    for (let sent = 0; sent < count; sent += inFlight) await Promise.all(Array.from({ length: inFlight }, one));
  } finally {
    session.close();
  }
}

/** The resident set of process `pid` in bytes (Linux /proc). */
function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(match, `no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

describe('HTTP/2 rapid reset on a sidecar listener', () => {
  let controlPlane: ControlPlaneProcess;
  let sidecar: SidecarProcess;
  // It speaks h2c too: streams the sidecar forwards reach it as h2 (the default app protocol's h2 in, h2 out).
  let app: TestApp;
  let served = 0;

  before(async () => {
    app = await startBilingualApp((_req, res) => {
      served++;
      res.end('ok');
    });
    controlPlane = await startControlPlane();
    sidecar = await startSidecar({
      service: 'backend',
      appPort: app.port,
      controlPlane: controlPlane.grpc,
    });
    await waitFor(
      async () => (await httpRequest(sidecar.outbound, '/', { headers: { host: 'backend' } })).status === 200,
      'backend routable',
    );
  });

  after(async () => {
    await sidecar?.stop();
    await controlPlane?.stop();
    await app?.close();
  });

  it(
    'forwards at most 1% of 5,000 cancelled streams, sends GOAWAY, and returns to its idle memory',
    { timeout: 90_000 },
    async () => {
      await serveOrdinaryRequests(sidecar.outbound, 2000, 100);
      const idleRss = rssOf(sidecar.pid);
      served = 0;
      const [host, port] = sidecar.outbound.split(':') as [string, string];
      const { goaway } = sendRawH2(host, Number(port), rapidResetFrames('backend', STREAMS));
      assert.equal(await goaway, constants.NGHTTP2_INTERNAL_ERROR, 'GOAWAY INTERNAL_ERROR, then closed');
      assert.equal((await httpRequest(sidecar.outbound, '/', { headers: { host: 'backend' } })).status, 200);
      assert.ok(served <= STREAMS / 100 + 1, `${served - 1} of ${STREAMS} cancelled streams reached the app`);
      // V8 gives memory back after its memory reducer's idle GCs, seconds after the burst; later on a loaded machine.
      await waitFor(() => rssOf(sidecar.pid) <= idleRss * 1.1, `RSS back within 10% of idle ${idleRss} bytes`, 60_000);
    },
  );
});
