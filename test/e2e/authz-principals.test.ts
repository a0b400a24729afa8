// Authorization by who the caller is, end to end: two callers' sidecars with their own identities
// (client in namespace default, intruder in namespace other) call an HTTP, a gRPC and a TCP service
// in mutual TLS; AuthorizationPolicies naming principals, notPrincipals and namespaces let one in and
// keep the other out (HTTP 403 "RBAC: access denied", gRPC PERMISSION_DENIED, TCP closed), never
// reaching the app, and DENY wins over ALLOW.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { echoCall, failure, kindsClient, startKindsServer, type KindsServer } from '../support/grpc-test-service.js';
import { httpRequest } from '../support/http.js';
import { sample, scrape } from '../support/metrics.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { startSidecar, waitFor, type SidecarProcess } from '../support/processes.js';
import { plaintextPing, startTcpEchoService, type TcpEchoService } from '../support/tcp-echo-service.js';

const CLIENT = 'cluster.local/ns/default/sa/client';
const INTRUDER = 'cluster.local/ns/other/sa/intruder';
const BACKEND = 'backend.default.svc.cluster.local';
const KINDS = 'kinds.default.svc.cluster.local';
// The intruder's sidecar binds the mesh's TCP ports on a loopback address of its own (the client's holds 127.0.0.1's).
const INTRUDER_HOST = '127.0.0.2';

describe('authorization by principal, between two callers with their own identities', () => {
  let mesh: PolicyMesh;
  let intruderApp: TestApp;
  let intruder: SidecarProcess;
  let app: TestApp;
  let backend: SidecarProcess;
  let server: KindsServer;
  let kinds: SidecarProcess;
  let vault: TcpEchoService;
  const grpcClients: grpc.Client[] = [];

  before(async () => {
    mesh = await startPolicyMesh();
    intruderApp = mesh.track(await startNamedApp('intruder-1'));
    intruder = await startSidecar({
      service: 'intruder',
      namespace: 'other',
      appPort: intruderApp.port,
      controlPlane: mesh.controlPlane.grpc,
      extraArgs: ['--outbound-listen', `${INTRUDER_HOST}:0`],
    });
    // Before other sidecars on 127.0.0.1 start: the client's, alone there, binds vault's TCP port.
    vault = await startTcpEchoService(mesh, 'vault');
    app = mesh.track(await startNamedApp('backend-1'));
    backend = await startSidecar({ service: 'backend', appPort: app.port, controlPlane: mesh.controlPlane.grpc });
    server = await startKindsServer('kinds-1');
    kinds = await startSidecar({
      service: 'kinds',
      appPort: server.port,
      appProtocol: 'grpc',
      controlPlane: mesh.controlPlane.grpc,
    });
    await mesh.waitForEndpoints(BACKEND, 1);
    await mesh.waitForEndpoints(KINDS, 1);
  });

  after(async () => {
    for (const client of grpcClients) client.close();
    await Promise.all([intruder?.stop(), backend?.stop(), kinds?.stop(), vault?.stop()]);
    await server?.stop();
    await mesh?.stop();
  });

  /** Writes the policies of `service` and waits until its sidecar enforces the last of them, `last`. */
  async function applyPolicies(sidecar: SidecarProcess, service: string, last: string, ...specs: string[]) {
    const documents = specs.map(
      (spec, index) =>
        `apiVersion: pilotfish.dev/v1\nkind: AuthorizationPolicy\nmetadata: { name: ${index === specs.length - 1 ? last : `${service}-${index}`} }\nspec:\n  selector: { matchLabels: { app: ${service} } }\n${spec}`,
    );
    await writeFile(join(mesh.configDir, `${service}-policies.yaml`), documents.join('---\n'));
    await waitFor(
      async () => (await (await fetch(`http://${sidecar.admin}/config_dump`)).text()).includes(`policy[${last}]`),
      `the ${service} sidecar to hold AuthorizationPolicy ${last}`,
    );
  }

  const call = (caller: SidecarProcess, path: string) =>
    httpRequest(caller.outbound, path, { headers: { host: BACKEND } });

  async function statuses(path: string): Promise<{ client: number; intruder: number }> {
    const seen = app.requests.length;
    const results = await Promise.all([call(mesh.client, path), call(intruder, path)]);
    for (const result of results) if (result.status === 403) assert.equal(result.body, 'RBAC: access denied\n');
    const reached = results.filter((result) => result.status === 200).length;
    assert.equal(app.requests.length - seen, reached, 'only allowed requests reached the app');
    return { client: results[0].status, intruder: results[1].status };
  }

  it('reaches every service from both callers without a policy', async () => {
    assert.deepEqual(await statuses('/open'), { client: 200, intruder: 200 });
  });

  it('lets in the principal an ALLOW rule names and answers the other 403, counted as RBAC_ACCESS_DENIED', async () => {
    await applyPolicies(
      backend,
      'backend',
      'client-only',
      `  rules: [{ from: [{ source: { principals: [${CLIENT}] } }] }]\n`,
    );
    assert.deepEqual(await statuses('/allow-principal'), { client: 200, intruder: 403 });
    const denied = {
      reporter: 'destination',
      response_flags: 'RBAC_ACCESS_DENIED',
      source_principal: `spiffe://${INTRUDER}`,
    };
    assert.ok(sample(await scrape(backend.admin), 'istio_requests_total', denied) >= 1, 'counted with the principal');
  });

  it('keeps out the principal notPrincipals names, and a namespace a DENY rule names', async () => {
    await applyPolicies(
      backend,
      'backend',
      'not-intruder',
      `  rules: [{ from: [{ source: { notPrincipals: [${INTRUDER}] } }] }]\n`,
    );
    assert.deepEqual(await statuses('/not-principal'), { client: 200, intruder: 403 });
    await applyPolicies(
      backend,
      'backend',
      'no-other',
      '  action: DENY\n  rules: [{ from: [{ source: { namespaces: [other] } }] }]\n',
    );
    assert.deepEqual(await statuses('/deny-namespace'), { client: 200, intruder: 403 });
  });

  it('puts DENY over ALLOW: a principal both name is kept out', async () => {
    await applyPolicies(
      backend,
      'backend',
      'deny-intruder',
      `  rules: [{ from: [{ source: { principals: [${CLIENT}, ${INTRUDER}] } }] }]\n`,
      `  action: DENY\n  rules: [{ from: [{ source: { principals: [${INTRUDER}] } }] }]\n`,
    );
    assert.deepEqual(await statuses('/deny-over-allow'), { client: 200, intruder: 403 });
  });

  it('answers the other principal PERMISSION_DENIED on a gRPC service', async () => {
    await applyPolicies(
      kinds,
      'kinds',
      'kinds-client-only',
      `  rules: [{ from: [{ source: { principals: [${CLIENT}] } }] }]\n`,
    );
    const [allowed, denied] = [mesh.client, intruder].map((caller) => kindsClient(caller.outbound, KINDS));
    grpcClients.push(allowed as grpc.Client, denied as grpc.Client);
    assert.equal((await echoCall(allowed as grpc.Client, { text: 'hello' })).trailer, 'kinds-1');
    const error = await failure(echoCall(denied as grpc.Client, { text: 'hello' }));
    assert.equal(error.code, grpc.status.PERMISSION_DENIED);
    assert.equal(error.details, 'RBAC: access denied');
  });

  it('closes the TCP connection of the other principal before the app sees a byte, DENY over ALLOW', async () => {
    const [fromClient, fromIntruder] = [`127.0.0.1:${vault.port}`, `${INTRUDER_HOST}:${vault.port}`];
    // Without a policy the intruder reaches it, once its sidecar has bound the port.
    await waitFor(async () => (await plaintextPing(fromIntruder)) === 'vault: ping', 'the intruder to reach vault');
    await applyPolicies(
      vault.sidecar,
      'vault',
      'vault-deny-intruder',
      `  rules: [{ from: [{ source: { principals: [${CLIENT}, ${INTRUDER}] } }] }]\n`,
      `  action: DENY\n  rules: [{ from: [{ source: { namespaces: [other] } }] }]\n`,
    );
    const seen = vault.received.length;
    assert.equal(await plaintextPing(fromIntruder), 'closed');
    assert.equal(vault.received.length, seen, 'the app received nothing');
    assert.equal(await plaintextPing(fromClient), 'vault: ping');
    const denied = {
      reporter: 'destination',
      response_flags: 'RBAC_ACCESS_DENIED',
      source_principal: `spiffe://${INTRUDER}`,
      connection_security_policy: 'mutual_tls',
    };
    assert.equal(sample(await scrape(vault.sidecar.admin), 'istio_tcp_connections_opened_total', denied), 1);
  });
});
