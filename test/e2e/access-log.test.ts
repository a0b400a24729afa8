// Access logs end to end: a MeshConfig switches them on and off for every sidecar of the mesh; each
// request then writes one JSON line on each sidecar it crosses (stdout), in Istio's fields.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { startSidecar, waitFor, type SidecarProcess } from '../support/processes.js';

const ACCESS_LOG_MARKER = 'envoy.access_loggers.stdout';

function meshConfig(accessLog: boolean): string {
  return `apiVersion: pilotfish.dev/v1
kind: MeshConfig
metadata: { name: mesh }
spec:
  accessLog: { enabled: ${accessLog} }
`;
}

type Line = Record<string, string | number | null>;

function linesOf(output: string): Line[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line);
}

describe('access logs', () => {
  let mesh: PolicyMesh;
  let app: TestApp;
  let books: SidecarProcess;

  before(async () => {
    mesh = await startPolicyMesh();
    app = await startNamedApp('books-1');
    books = await startSidecar({ service: 'books', appPort: app.port, controlPlane: mesh.controlPlane.grpc });
    await mesh.waitForEndpoints('books.default.svc.cluster.local', 1);
  });

  after(async () => {
    await books?.stop();
    await mesh?.stop();
    await app?.close();
  });

  async function setAccessLog(enabled: boolean): Promise<void> {
    const holds = async (sidecar: SidecarProcess) =>
      (await (await fetch(`http://${sidecar.admin}/config_dump`)).text()).includes(ACCESS_LOG_MARKER) === enabled;
    await writeFile(join(mesh.configDir, 'mesh.yaml'), meshConfig(enabled));
    await waitFor(
      async () => (await holds(mesh.client)) && (await holds(books)),
      `both sidecars to have access logging ${enabled ? 'on' : 'off'}`,
    );
  }

  /** Waits for the line of the request to `path` in `sidecar`'s access log. */
  async function lineFor(sidecar: SidecarProcess, path: string): Promise<Line> {
    let found: Line | undefined;
    await waitFor(
      () => (found = linesOf(sidecar.output()).find((line) => line.path === path)) !== undefined,
      `the access-log line of ${path}`,
    );
    return found as Line;
  }

  it('writes nothing while no MeshConfig turns it on', async () => {
    assert.equal((await mesh.request('books', '/before')).status, 200);
    assert.equal(mesh.client.output(), '');
    assert.equal(books.output(), '');
  });

  it('writes one line per request on both sidecars, with the same request id', async () => {
    await setAccessLog(true);
    const sent = await mesh.request('books', '/orders?page=2', {
      method: 'POST',
      headers: { 'x-request-id': 'req-1', 'content-type': 'text/plain' },
      body: 'hello',
    });
    assert.equal(sent.status, 200);
    const outbound = await lineFor(mesh.client, '/orders?page=2');
    const inbound = await lineFor(books, '/orders?page=2');
    for (const line of [outbound, inbound]) {
      assert.equal(line.method, 'POST');
      assert.equal(line.protocol, 'HTTP/1.1');
      assert.equal(line.response_code, 200);
      assert.equal(line.response_flags, '-');
      assert.equal(line.request_id, 'req-1');
      assert.equal(line.bytes_received, 5);
      assert.equal(line.bytes_sent, sent.body.length);
      assert.equal(typeof line.duration, 'number');
      assert.ok(
        Math.abs(Date.parse(String(line.start_time)) - Date.now()) < 60_000,
        `start_time ${line.start_time} is a time of today`,
      );
    }
    assert.equal(outbound.authority, 'books');
    assert.equal(outbound.upstream_cluster, 'books.default.svc.cluster.local');
    assert.equal(outbound.upstream_host, books.inbound);
    assert.equal(outbound.upstream_request_attempt_count, 1);
    assert.equal(inbound.upstream_cluster, 'inbound');
    assert.equal(inbound.upstream_host, `127.0.0.1:${app.port}`);
    assert.equal(outbound.trace_id, inbound.trace_id, 'both hops log the one trace');
    assert.match(String(outbound.trace_id), /^[0-9a-f]{32}$/);
    assert.match(String(inbound.x_forwarded_for), /^127\.0\.0\.1/);
    assert.equal(linesOf(mesh.client.output()).filter((line) => line.path === '/orders?page=2').length, 1);
  });

  it('logs the request id the caller sidecar gave a request that had none, on both sides', async () => {
    assert.equal((await mesh.request('books', '/no-id')).status, 200);
    const [outbound, inbound] = [await lineFor(mesh.client, '/no-id'), await lineFor(books, '/no-id')];
    assert.match(String(outbound.request_id), /^[0-9a-f-]{36}$/);
    assert.equal(inbound.request_id, outbound.request_id);
  });

  it('logs what the proxy answered itself with its response flag', async () => {
    assert.equal((await mesh.request('nowhere', '/lost')).status, 404);
    const line = await lineFor(mesh.client, '/lost');
    assert.equal(line.response_code, 404);
    assert.equal(line.response_flags, 'NR');
    assert.equal(line.upstream_cluster, null);
    assert.equal(line.upstream_host, null);
    assert.equal(line.upstream_request_attempt_count, 0);
  });

  it('stops writing when the MeshConfig turns it off', async () => {
    await setAccessLog(false);
    assert.equal((await mesh.request('books', '/while-off')).status, 200);
    await setAccessLog(true);
    assert.equal((await mesh.request('books', '/on-again')).status, 200);
    await lineFor(mesh.client, '/on-again');
    await lineFor(books, '/on-again');
    for (const sidecar of [mesh.client, books])
      assert.equal(
        linesOf(sidecar.output()).find((line) => line.path === '/while-off'),
        undefined,
      );
  });
});
