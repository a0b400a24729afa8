// Authorization end to end: AuthorizationPolicy files in the control plane's config folder reach
// the destination's sidecar as RBAC filters; a request they deny gets 403 "RBAC: access denied"
// (a gRPC call PERMISSION_DENIED) and never reaches the app, counted and logged with its response flag.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { echoCall, failure, kindsClient, startKindsServer, type KindsServer } from '../support/grpc-test-service.js';
import { sample, scrape } from '../support/metrics.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { startSidecar, waitFor, type SidecarProcess } from '../support/processes.js';

function policy(name: string, spec: string): string {
  return `apiVersion: pilotfish.dev/v1\nkind: AuthorizationPolicy\nmetadata: { name: ${name} }\nspec:\n${spec}`;
}

describe('authorization policies', () => {
  let mesh: PolicyMesh;
  let app: TestApp;
  let backend: SidecarProcess;
  let server: KindsServer;
  let kinds: SidecarProcess;
  let client: grpc.Client;

  before(async () => {
    mesh = await startPolicyMesh();
    app = mesh.track(await startNamedApp('backend-1'));
    backend = await startSidecar({ service: 'backend', appPort: app.port, controlPlane: mesh.controlPlane.grpc });
    server = await startKindsServer('kinds-1');
    kinds = await startSidecar({
      service: 'kinds',
      appPort: server.port,
      appProtocol: 'grpc',
      controlPlane: mesh.controlPlane.grpc,
    });
    await mesh.waitForEndpoints('backend.default.svc.cluster.local', 1);
    await mesh.waitForEndpoints('kinds.default.svc.cluster.local', 1);
    client = kindsClient(mesh.client.outbound, 'kinds');
    await writeFile(
      join(mesh.configDir, 'mesh.yaml'),
      'apiVersion: pilotfish.dev/v1\nkind: MeshConfig\nmetadata: { name: mesh }\nspec:\n  accessLog: { enabled: true }\n',
    );
    await waitFor(
      async () =>
        (await (await fetch(`http://${backend.admin}/config_dump`)).text()).includes('envoy.access_loggers.stdout'),
      'the backend sidecar to write an access log',
    );
  });

  after(async () => {
    client?.close();
    await kinds?.stop();
    await server?.stop();
    await backend?.stop();
    await mesh?.stop();
  });

  /** Writes `file` into the config folder and waits until `sidecar` enforces policy `name`. */
  async function applyPolicy(sidecar: SidecarProcess, file: string, yaml: string, name: string): Promise<void> {
    await writeFile(join(mesh.configDir, file), yaml);
    await waitFor(
      async () => (await (await fetch(`http://${sidecar.admin}/config_dump`)).text()).includes(`policy[${name}]`),
      `the sidecar to hold AuthorizationPolicy ${name}`,
    );
  }

  it('allows what an ALLOW policy matches and answers the rest 403 "RBAC: access denied", counted as RBAC_ACCESS_DENIED', async () => {
    await applyPolicy(
      backend,
      'backend.yaml',
      policy(
        'readers',
        '  selector: { matchLabels: { app: backend } }\n  rules:\n    - to: [{ operation: { methods: [GET], paths: [/api/*] } }]\n',
      ),
      'readers',
    );
    assert.equal((await mesh.request('backend', '/api/items')).status, 200);
    const seen = app.requests.length;
    const denied = await mesh.request('backend', '/api/items', { method: 'POST', body: 'x' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body, 'RBAC: access denied\n');
    assert.equal((await mesh.request('backend', '/admin')).status, 403);
    assert.equal(app.requests.length, seen, 'denied requests never reached the app');
    const labels = { reporter: 'destination', response_code: '403', response_flags: 'RBAC_ACCESS_DENIED' };
    assert.equal(sample(await scrape(backend.admin), 'istio_requests_total', labels), 2);
    let line: Record<string, unknown> | undefined;
    await waitFor(() => {
      line = backend
        .output()
        .split('\n')
        .filter((text) => text.startsWith('{'))
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((entry) => entry.path === '/admin');
      return line !== undefined;
    }, 'the access-log line of the denied /admin');
    assert.equal(line?.response_code, 403);
    assert.equal(line?.response_flags, 'RBAC_ACCESS_DENIED');
  });

  it('puts DENY over ALLOW', async () => {
    await applyPolicy(
      backend,
      'backend.yaml',
      policy('everyone', '  rules: [{}]\n') +
        '---\n' +
        policy('no-admin', '  action: DENY\n  rules: [{ to: [{ operation: { paths: [/admin*] } }] }]\n'),
      'no-admin',
    );
    assert.equal((await mesh.request('backend', '/anything', { method: 'DELETE' })).status, 200);
    assert.equal((await mesh.request('backend', '/admin/users')).status, 403);
  });

  it('rejects a bad policy with the file, line and field, and the last good one stays in force', async () => {
    const broken = join(mesh.configDir, 'broken.yaml');
    await writeFile(broken, policy('broken', '  action: AUDIT\n'));
    let messages: string[] | undefined;
    await waitFor(async () => {
      const debug = (await (await fetch(`http://${mesh.controlPlane.admin}/debug/config`)).json()) as {
        lastRejection: { messages: string[] } | null;
      };
      messages = debug.lastRejection?.messages;
      return messages !== undefined;
    }, 'the control plane to reject broken.yaml');
    assert.deepEqual(messages, [
      'broken.yaml:5: AuthorizationPolicy "broken": spec.action: must be one of ALLOW, DENY, got "AUDIT"',
    ]);
    assert.equal((await mesh.request('backend', '/admin/users')).status, 403);
    assert.equal((await mesh.request('backend', '/ok')).status, 200);
    await unlink(broken);
  });

  it('answers a denied gRPC call PERMISSION_DENIED', async () => {
    await applyPolicy(
      kinds,
      'kinds.yaml',
      policy(
        'no-echo',
        '  selector: { matchLabels: { app: kinds } }\n  action: DENY\n  rules: [{ to: [{ operation: { paths: ["*/Echo"] } }] }]\n',
      ),
      'no-echo',
    );
    const error = await failure(echoCall(client, { text: 'hello' }));
    assert.equal(error.code, grpc.status.PERMISSION_DENIED);
    assert.equal(error.details, 'RBAC: access denied');
  });
});
