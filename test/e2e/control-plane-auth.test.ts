// The authenticated control plane with real processes: its gRPC port is TLS with a certificate from
// its CA; sidecars show their workload certificates; a workload registers only its own service and
// cannot take over an instance id another identity holds.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RegistryClient } from '../../proto/gen/pilotfish/v1/Registry.js';
import { TYPE_URL, createAdsClient, objectToStruct } from '../../proto/xds.js';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { tokenCredentials } from '../support/control-plane-credentials.js';
import { httpRequest, servedBy } from '../support/http.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';
import { register, registryClient } from '../support/registry-client.js';
import { createToken } from '../support/tokens.js';

describe('authenticated control plane', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-control-plane-auth-'));
  const stateDir = join(dir, 'state');
  let controlPlane: ControlPlaneProcess;
  let caFile: string;
  const apps: TestApp[] = [];
  const sidecars: SidecarProcess[] = [];
  const clients: RegistryClient[] = [];

  async function tokenFile(service: string): Promise<string> {
    const file = join(dir, `${service}.token`);
    writeFileSync(file, await createToken(stateDir, ['--service', service]), { mode: 0o600 });
    return file;
  }

  async function startMeshSidecar(service: string): Promise<SidecarProcess> {
    const app = await startNamedApp(`${service}-1`);
    apps.push(app);
    const sidecar = await startSidecar({
      service,
      instanceId: `${service}-1`,
      appPort: app.port,
      controlPlane: controlPlane.grpc,
      tokenFile: await tokenFile(service),
      caFile,
    });
    sidecars.push(sidecar);
    return sidecar;
  }

  async function clientWithToken(service: string): Promise<RegistryClient> {
    const client = registryClient(
      controlPlane.grpc,
      tokenCredentials(caFile, await createToken(stateDir, ['--service', service])),
    );
    clients.push(client);
    return client;
  }

  const instance = (service: string, instanceId: string) => ({
    service,
    instance_id: instanceId,
    address: '127.0.0.1',
    port: 9,
  });

  before(async () => {
    controlPlane = await startControlPlane(['--state-dir', stateDir]);
    caFile = controlPlane.caFile as string;
  });
  after(async () => {
    clients.forEach((client) => client.close());
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    await Promise.all(apps.map((app) => app.close()));
    await controlPlane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves sidecars that trust its CA and show their workload certificates, end to end over TLS', async () => {
    await startMeshSidecar('backend');
    const frontend = await startMeshSidecar('frontend');
    await waitFor(
      async () => (await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).status === 200,
      'backend routable from frontend',
    );
    assert.equal(servedBy(await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })), 'backend-1');
    const registry = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).text()) as string;
    assert.match(registry, /backend-1/);
    assert.match(controlPlane.logs(), /"tls":true/);
  });

  it('refuses a workload registering an instance of another service, naming why', async () => {
    const frontend = await clientWithToken('frontend');
    await assert.rejects(
      register(frontend, { instance: instance('backend', 'rogue-backend') }),
      (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.PERMISSION_DENIED);
        assert.match(
          error.details,
          /spiffe:\/\/cluster.local\/ns\/default\/sa\/frontend may register only instances of service "frontend" in namespace "default", not of "backend"/,
        );
        return true;
      },
    );
    const registered = await register(frontend, { instance: instance('frontend', 'frontend-extra') });
    assert.ok(registered.lease_id);
  });

  it('refuses taking over an instance id another identity holds, naming its holder', async () => {
    // backend-1 is held by the backend sidecar's certificate; a frontend workload tries to take the id.
    const frontend = await clientWithToken('frontend');
    await assert.rejects(
      register(frontend, { instance: instance('frontend', 'backend-1') }),
      (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.PERMISSION_DENIED);
        assert.match(
          error.details,
          /"backend-1" in namespace "default" is held by spiffe:\/\/cluster.local\/ns\/default\/sa\/backend/,
        );
        return true;
      },
    );
  });

  it('refuses calls without credentials (UNAUTHENTICATED) and plaintext clients', async () => {
    const anonymous = registryClient(controlPlane.grpc, tokenCredentials(caFile));
    clients.push(anonymous);
    await assert.rejects(
      register(anonymous, { instance: instance('backend', 'anonymous') }),
      (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.UNAUTHENTICATED);
        assert.match(error.details, /no credentials/);
        return true;
      },
    );
    const plaintext = registryClient(controlPlane.grpc, grpc.credentials.createInsecure());
    clients.push(plaintext);
    await assert.rejects(
      register(plaintext, { instance: instance('backend', 'plaintext') }),
      (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.UNAVAILABLE);
        return true;
      },
    );
  });

  it('streams a workload the config of its own service and namespace only (PERMISSION_DENIED naming why)', async () => {
    const credentials = tokenCredentials(caFile, await createToken(stateDir, ['--service', 'frontend']));
    const firstAnswer = (metadata: Record<string, string>) => {
      const client = createAdsClient(controlPlane.grpc, {}, credentials);
      const stream = client.StreamAggregatedResources();
      return new Promise<grpc.ServiceError | 'config'>((resolve) => {
        stream.on('error', resolve);
        stream.on('data', () => resolve('config'));
        stream.write({
          node: { id: `sidecar~${metadata.SERVICE ?? 'gateway'}.test`, metadata: objectToStruct(metadata) },
          type_url: TYPE_URL.cluster,
          resource_names: [],
          version_info: '',
          response_nonce: '',
        });
      }).finally(() => {
        stream.cancel();
        client.close();
      });
    };
    assert.equal(await firstAnswer({ NAMESPACE: 'default', SERVICE: 'frontend', ROLE: 'sidecar' }), 'config');
    for (const [metadata, claimed] of [
      [{ NAMESPACE: 'default', SERVICE: 'backend', ROLE: 'sidecar' }, 'service "backend" in namespace "default"'],
      [{ NAMESPACE: 'payments', SERVICE: 'frontend', ROLE: 'sidecar' }, 'service "frontend" in namespace "payments"'],
      [{ NAMESPACE: 'default', ROLE: 'gateway', GATEWAY: 'default/ingress' }, 'Gateway default/ingress'],
    ] as const) {
      const answer = await firstAnswer(metadata);
      assert.notEqual(answer, 'config', claimed);
      assert.equal((answer as grpc.ServiceError).code, grpc.status.PERMISSION_DENIED);
      assert.equal(
        (answer as grpc.ServiceError).details,
        `spiffe://cluster.local/ns/default/sa/frontend may get the config of "frontend" in namespace "default" only, not of ${claimed}`,
      );
    }
  });
});
