// MeshConfig listenerLimits on a real sidecar's outbound listener: connections past maxConnections
// are closed at once while open ones keep working, slowloris clients (h1 headers that never end, an
// h2 connection that never asks) are closed once requestHeadersTimeout passes, and maxRequestHeaders
// is the header count a request may carry.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { connect as connectH2, type ClientHttp2Session } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { answerWithName, startBilingualApp } from '../support/apps.js';
import { rapidResetFrames, sendRawH2 } from '../support/h2-frames.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { waitFor } from '../support/processes.js';

const BACKEND = 'backend.default.svc.cluster.local';

/** A connection to `address`; `closed` resolves with everything the server sent once it has closed. */
function open(address: string, send: string): { socket: Socket; closed: Promise<string> } {
  const [host, port] = address.split(':') as [string, string];
  const socket = connect(Number(port), host, () => socket.write(send));
  let received = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
  // A connection refused at once may be reset: its close is the outcome.
  socket.on('error', () => undefined);
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve(received))) };
}

/** Request headers that never end: a slowloris client. */
const SLOW_HEAD = 'GET / HTTP/1.1\r\nHost: backend\r\nX-Slow: ';

/** The status of one h2 GET to backend on `session`, with `count` extra header fields. */
function h2Status(session: ClientHttp2Session, count = 0): Promise<number> {
  const fields = Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-field-${i}`, String(i)]));
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': '/', ':authority': 'backend', ...fields });
    stream.on('response', (headers) => resolve(Number(headers[':status'])));
    stream.on('error', reject);
    stream.resume();
  });
}

describe('listener limits on a sidecar', () => {
  let mesh: PolicyMesh;

  before(async () => {
    mesh = await startPolicyMesh();
    // h2 callers reach an http service in h2 (use_downstream_protocol_config): the app speaks both.
    await mesh.addInstance('backend', mesh.track(await startBilingualApp(answerWithName('backend-1'))));
    await mesh.waitForEndpoints(BACKEND, 1);
  });

  after(async () => {
    await mesh?.stop();
  });

  /** Writes the MeshConfig's listenerLimits and waits until the client sidecar's outbound listener holds `held`. */
  async function applyLimits(limits: string, held: RegExp): Promise<void> {
    await writeFile(
      join(mesh.configDir, 'mesh.yaml'),
      `apiVersion: pilotfish.dev/v1\nkind: MeshConfig\nmetadata: { name: mesh }\nspec:\n  listenerLimits: ${limits}\n`,
    );
    await waitFor(
      async () => held.test(await (await fetch(`http://${mesh.client.admin}/config_dump`)).text()),
      `the client sidecar to hold ${held}`,
    );
  }

  it('closes a connection past maxConnections at once while open ones keep working, and counts header fields as configured', async () => {
    await applyLimits('{ maxConnections: 3, maxRequestHeaders: 17 }', /"max_connections": \{\s*"value": "3"/);
    const session = connectH2(`http://${mesh.client.outbound}`);
    try {
      assert.equal(await h2Status(session), 200);
      assert.equal(await h2Status(session, 17), 200);
      assert.equal(await h2Status(session, 18), 431);
      const slow = [open(mesh.client.outbound, SLOW_HEAD), open(mesh.client.outbound, SLOW_HEAD)];
      await Promise.all(slow.map(({ socket }) => new Promise((resolve) => socket.once('connect', resolve))));
      const extra = open(mesh.client.outbound, 'GET / HTTP/1.1\r\nHost: backend\r\n\r\n');
      assert.equal(await extra.closed, '', 'the fourth connection is closed without an answer');
      assert.equal(await h2Status(session), 200, 'the open connection keeps working');
      for (const { socket } of slow) socket.destroy();
      await waitFor(
        async () =>
          (await open(mesh.client.outbound, 'GET / HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n').closed) !==
          '',
        'a new connection once the slow ones closed',
      );
    } finally {
      session.destroy();
    }
  });

  it('closes h1 and h2 slowloris connections once requestHeadersTimeout passes', async () => {
    await applyLimits('{ requestHeadersTimeout: 1s }', /"request_headers_timeout": \{\s*"seconds": "1"/);
    const slow = open(mesh.client.outbound, SLOW_HEAD);
    const [host, port] = mesh.client.outbound.split(':') as [string, string];
    // The h2 preface and SETTINGS, then no request.
    const { goaway } = sendRawH2(host, Number(port), rapidResetFrames('backend', 0));
    assert.match(await slow.closed, /^HTTP\/1\.1 408 /);
    assert.equal(await goaway, 0, 'GOAWAY (NO_ERROR), then closed');
  });
});
