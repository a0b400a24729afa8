// Control-plane replicas sharing one real etcd (Debian's etcd-server): a registration on one replica
// reaches sidecars on the other, config written on either is served by both with the same versions,
// leases live in etcd, and an etcd outage fails writes with UNAVAILABLE while traffic goes on.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import type { HistoryResponse__Output } from '../../proto/gen/pilotfish/v1/HistoryResponse.js';
import { callConfig, ConfigApiError } from '../../cli/config-client.js';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { makeCertificate } from '../support/certificates.js';
import { applyConfig as apply, markedRoute } from '../support/config-api.js';
import { startEtcd, type EtcdMember } from '../support/etcd.js';
import { httpRequest, servedBy } from '../support/http.js';
import {
  runCli,
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';
import { operatorConnection, testStateDir } from '../support/mesh-security.js';
import { register, registryClient } from '../support/registry-client.js';

type Json = Record<string, any>;

async function adminJson(controlPlane: ControlPlaneProcess, path: string): Promise<Json> {
  return (await (await fetch(`http://${controlPlane.admin}${path}`)).json()) as Json;
}

async function registeredServices(controlPlane: ControlPlaneProcess): Promise<string[]> {
  const view = await adminJson(controlPlane, '/debug/registry');
  return (view.services as Array<{ name: string }>).map((service) => service.name).sort();
}

/** Each group's type versions, as the replica serves them. */
async function snapshotVersions(controlPlane: ControlPlaneProcess): Promise<string> {
  const view = await adminJson(controlPlane, '/debug/snapshots');
  const groups = view.groups as Array<{ group: string; types: Record<string, { version: string }> }>;
  return JSON.stringify(
    groups
      .map(({ group, types }) => [group, Object.entries(types).map(([type, { version }]) => `${type}=${version}`)])
      .sort(),
  );
}

describe('control-plane replicas on etcd', () => {
  // Replicas share one CA (one state dir), as they would share one in production.
  const stateDir = testStateDir();
  let etcd: EtcdMember;
  let replicas: ControlPlaneProcess[] = [];
  let apps: TestApp[] = [];
  let backend: SidecarProcess;
  let frontend: SidecarProcess;
  const started: SidecarProcess[] = [];

  before(async () => {
    etcd = await startEtcd();
    replicas = [
      await startControlPlane(['--store', etcd.storeUrl, '--state-dir', stateDir]),
      await startControlPlane(['--store', etcd.storeUrl, '--state-dir', stateDir]),
    ];
    apps = [await startNamedApp('backend-1'), await startNamedApp('frontend-1')];
  });

  after(async () => {
    await Promise.all(started.map((sidecar) => sidecar.stop()));
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all(apps.map((app) => app.close()));
    await etcd.remove();
  });

  it('routes a sidecar on replica 2 to an instance registered on replica 1 (EDS through etcd)', async () => {
    const [one, two] = replicas as [ControlPlaneProcess, ControlPlaneProcess];
    // A 2 s lease: it stays only while replica 1 renews it in etcd for the sidecar.
    backend = await startSidecar({
      service: 'backend',
      instanceId: 'backend-1',
      appPort: (apps[0] as TestApp).port,
      controlPlane: one.grpc,
      leaseTtl: 2,
    });
    started.push(backend);
    frontend = await startSidecar({
      service: 'frontend',
      instanceId: 'frontend-1',
      appPort: (apps[1] as TestApp).port,
      controlPlane: two.grpc,
    });
    started.push(frontend);
    await waitFor(
      async () => (await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).status === 200,
      'backend routable from the frontend on the other replica',
    );
    assert.equal(servedBy(await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })), 'backend-1');
    assert.deepEqual(await registeredServices(one), ['backend', 'frontend']);
  });

  it('serves a config applied on replica 2 from replica 1 with the same version and snapshots', async () => {
    const [one, two] = replicas as [ControlPlaneProcess, ControlPlaneProcess];
    const applied = await apply(two, markedRoute('from-two'));
    assert.deepEqual(applied.changed, ['Route default/backend created']);
    await waitFor(
      async () => (await adminJson(one, '/debug/config')).version === Number(applied.version),
      `replica 1 at config version ${applied.version}`,
    );
    assert.equal((await adminJson(two, '/debug/config')).version, Number(applied.version), 'acknowledged once stored');
    await waitFor(
      async () => (await snapshotVersions(one)) === (await snapshotVersions(two)),
      'both replicas serving the same snapshot versions',
    );
    await waitFor(
      async () =>
        (await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).headers['x-rule'] === 'from-two',
      'the route in force on the frontend',
    );
    const history = await callConfig<HistoryResponse__Output>(
      operatorConnection(one.grpc),
      (client, options, callback) => client.History({ limit: 1 }, options, callback),
    );
    const writerHistory = await callConfig<HistoryResponse__Output>(
      operatorConnection(two.grpc),
      (client, options, callback) => client.History({ limit: 1 }, options, callback),
    );
    assert.equal(history.versions?.[0]?.version, applied.version);
    assert.deepEqual(history.versions, writerHistory.versions, 'the same history entry, author included, on both');
  });

  it('accepts config changes made on both replicas at once, one version each, in the same order everywhere', async () => {
    const [one, two] = replicas as [ControlPlaneProcess, ControlPlaneProcess];
    const limit = (name: string, host: string) => `apiVersion: pilotfish.dev/v1
kind: RateLimit
metadata: { name: ${name} }
spec:
  host: ${host}
  limits:
    - { requests: 1000, per: 1s }
`;
    const before = Number((await adminJson(one, '/debug/config')).version);
    // Each is validated on the version its replica holds; the one that loses the race in etcd is validated again.
    const [first, second] = await Promise.all([
      apply(one, limit('from-one', 'backend')),
      apply(two, limit('from-two', 'frontend')),
    ]);
    const versions = [Number(first.version), Number(second.version)];
    assert.ok(versions.every((version) => version > before) && versions[0] !== versions[1], String(versions));
    const latest = Math.max(...versions);
    for (const replica of [one, two]) {
      await waitFor(
        async () => (await adminJson(replica, '/debug/config')).version === latest,
        `${replica.grpc} at version ${latest}`,
      );
      const history = await callConfig<HistoryResponse__Output>(
        operatorConnection(replica.grpc),
        (client, options, callback) => client.History({ limit: 2 }, options, callback),
      );
      assert.deepEqual(
        history.versions?.map((version) => Number(version.version)),
        [...versions].sort((a, b) => b - a),
      );
    }
    for (const name of ['from-one', 'from-two']) {
      const document = await callConfig<{ version?: string }>(
        operatorConnection(two.grpc),
        (client, options, callback) => client.Get({ kind: 'RateLimit', namespace: 'default', name }, options, callback),
      );
      assert.equal(Number(document.version), latest);
    }
  });

  it('drops an instance from every replica when its lease expires in etcd', async () => {
    const [one, two] = replicas as [ControlPlaneProcess, ControlPlaneProcess];
    const client = registryClient(one.grpc);
    const etcdClient = new Etcd3({ hosts: etcd.clientUrl });
    try {
      await register(client, {
        instance: { service: 'lonely', instance_id: 'lonely-1', address: '127.0.0.1', port: 9 },
        ttl_seconds: 2,
      });
      assert.ok(await etcdClient.get('/pilotfish/registry/default/lonely-1').string(), 'the instance is in etcd');
      await waitFor(async () => (await registeredServices(two)).includes('lonely'), 'replica 2 to see lonely');
      // No one keeps it alive: etcd deletes it with its lease, and every replica follows.
      await waitFor(
        async () => (await etcdClient.get('/pilotfish/registry/default/lonely-1').string()) === null,
        'the lease to expire in etcd',
      );
      await waitFor(async () => !(await registeredServices(two)).includes('lonely'), 'replica 2 to drop lonely');
      assert.deepEqual(await registeredServices(one), ['backend', 'frontend'], 'kept-alive leases stay');
    } finally {
      client.close();
      etcdClient.close();
    }
  });

  it('starts a new replica with the whole registry and config before it serves', async () => {
    const three = await startControlPlane(['--store', etcd.storeUrl, '--state-dir', stateDir]);
    try {
      // Read as soon as it says it listens: nothing is partial.
      assert.deepEqual(await registeredServices(three), ['backend', 'frontend']);
      assert.equal(
        (await adminJson(three, '/debug/config')).version,
        (await adminJson(replicas[0] as ControlPlaneProcess, '/debug/config')).version,
      );
    } finally {
      await three.stop();
    }
  });

  it('fails registrations and config writes with UNAVAILABLE while etcd is down, keeps traffic, and resumes', async () => {
    const [one, two] = replicas as [ControlPlaneProcess, ControlPlaneProcess];
    const client = registryClient(one.grpc);
    const registration = {
      instance: { service: 'late', instance_id: 'late-1', address: '127.0.0.1', port: 9 },
      ttl_seconds: 30,
    };
    try {
      await etcd.stop('SIGKILL');
      await assert.rejects(register(client, registration), (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.UNAVAILABLE);
        assert.match(error.details, /registration failed: the store \(etcd 127\.0\.0\.1:\d+\) is unavailable/);
        return true;
      });
      await assert.rejects(apply(two, markedRoute('while-down')), (error: unknown) => {
        assert.ok(error instanceof ConfigApiError);
        assert.equal(error.code, grpc.status.UNAVAILABLE);
        assert.match(error.message, /config change failed: the store \(etcd 127\.0\.0\.1:\d+\) is unavailable/);
        return true;
      });
      for (let i = 0; i < 5; i++) {
        const answer = await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } });
        assert.equal(answer.status, 200);
        assert.equal(answer.headers['x-rule'], 'from-two', 'the last config stays in force');
      }

      await etcd.start();
      await waitFor(
        () =>
          register(client, registration).then(
            () => true,
            () => false,
          ),
        'registrations to succeed again',
        20_000,
      );
      await waitFor(async () => (await registeredServices(two)).includes('late'), 'replica 2 to see the new instance');
      const applied = await apply(two, markedRoute('after-outage'));
      await waitFor(
        async () => (await adminJson(one, '/debug/config')).version === Number(applied.version),
        'replica 1 to follow the config again',
      );
      await waitFor(
        async () =>
          (await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).headers['x-rule'] ===
          'after-outage',
        'the new route in force on the frontend',
      );
    } finally {
      client.close();
    }
  });
});

describe('a control plane on etcd over TLS with a client certificate', () => {
  let etcd: EtcdMember;
  let dir: string;
  let files: {
    server: { certificateFile: string; keyFile: string };
    client: { certificateFile: string; keyFile: string };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pilotfish-etcd-tls-'));
    files = { server: makeCertificate(dir, 'etcd', '127.0.0.1'), client: makeCertificate(dir, 'client', 'client') };
    etcd = await startEtcd({ ...files.server, clientCaFile: files.client.certificateFile, client: files.client });
  });

  after(async () => {
    await etcd.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores registrations with --etcd-ca, --etcd-cert and --etcd-key, and is refused without the client certificate', async () => {
    const [, host] = etcd.storeUrl.split('etcd://') as [string, string];
    const withoutCertificate = await runCli([
      'control-plane',
      '--store',
      etcd.storeUrl,
      '--etcd-ca',
      files.server.certificateFile,
      '--grpc-listen',
      '127.0.0.1:0',
      '--admin-listen',
      '127.0.0.1:0',
    ]);
    assert.notEqual(withoutCertificate.code, 0);
    assert.match(
      withoutCertificate.stderr,
      new RegExp(`reading the store failed: the store \\(etcd ${host.replaceAll('.', '\\.')}`),
    );
    const controlPlane = await startControlPlane([
      '--store',
      etcd.storeUrl,
      '--etcd-ca',
      files.server.certificateFile,
      '--etcd-cert',
      files.client.certificateFile,
      '--etcd-key',
      files.client.keyFile,
    ]);
    const client = registryClient(controlPlane.grpc);
    try {
      await register(client, {
        instance: { service: 'secure', instance_id: 'secure-1', address: '127.0.0.1', port: 9 },
      });
      assert.deepEqual(await registeredServices(controlPlane), ['secure']);
    } finally {
      client.close();
      await controlPlane.stop();
    }
  });
});
