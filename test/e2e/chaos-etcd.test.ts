// Chaos on etcd, under steady load through two sidecars: two control-plane replicas on a real
// three-member etcd cluster. Losing the leader member loses nothing; losing every member stops
// registrations and config writes with UNAVAILABLE while traffic goes on, until etcd returns.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { ConfigApiError } from '../../cli/config-client.js';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { applyConfig } from '../support/config-api.js';
import { startEtcdCluster, type EtcdMember } from '../support/etcd.js';
import { httpRequest } from '../support/http.js';
import { startLoad } from '../support/load.js';
import { testStateDir } from '../support/mesh-security.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';
import { register, registryClient } from '../support/registry-client.js';

const rateLimit = (name: string, host: string) => `apiVersion: pilotfish.dev/v1
kind: RateLimit
metadata: { name: ${name} }
spec:
  host: ${host}
  limits:
    - { requests: 100000, per: 1s }
`;

async function configVersion(controlPlane: ControlPlaneProcess): Promise<number> {
  return ((await (await fetch(`http://${controlPlane.admin}/debug/config`)).json()) as { version: number }).version;
}

async function registers(controlPlane: ControlPlaneProcess, instanceId: string): Promise<boolean> {
  return (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).text()).includes(`"${instanceId}"`);
}

/** The member etcd elected leader, asked of the members themselves. */
async function leaderOf(members: EtcdMember[]): Promise<EtcdMember> {
  for (const member of members) {
    const client = new Etcd3({ hosts: member.clientUrl });
    try {
      const status = await client.maintenance.status();
      if (status.leader === status.header.member_id) return member;
    } finally {
      client.close();
    }
  }
  throw new Error('no etcd member says it is the leader');
}

describe('chaos: etcd members lost under load', () => {
  let members: EtcdMember[] = [];
  const replicas: ControlPlaneProcess[] = [];
  const apps: TestApp[] = [];
  const sidecars: SidecarProcess[] = [];

  before(async () => {
    const cluster = await startEtcdCluster(3);
    members = cluster.members;
    const stateDir = testStateDir();
    for (let i = 0; i < 2; i++)
      replicas.push(await startControlPlane(['--store', cluster.storeUrl, '--state-dir', stateDir]));
    apps.push(await startNamedApp('backend-1'), await startNamedApp('frontend-1'));
    const controlPlane = replicas.map((replica) => replica.grpc).join(',');
    for (const [index, service] of ['backend', 'frontend'].entries()) {
      const appPort = (apps[index] as TestApp).port;
      sidecars.push(await startSidecar({ service, instanceId: `${service}-1`, appPort, controlPlane }));
    }
    const frontend = sidecars[1] as SidecarProcess;
    await waitFor(
      async () => (await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).status === 200,
      'backend routable from the frontend',
    );
  });

  after(async () => {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(members.map((member) => member.remove()));
  });

  it('kill -9 of the etcd leader of three members: 0 failed requests, and registrations and config writes go on', async () => {
    const [one, two] = replicas as [ControlPlaneProcess, ControlPlaneProcess];
    const load = startLoad({ address: (sidecars[1] as SidecarProcess).outbound, host: 'backend' });
    const client = registryClient(one.grpc);
    try {
      await load.answersMore(50, 'before the kill');
      const leader = await leaderOf(members);
      await leader.stop('SIGKILL');

      await register(client, {
        instance: { service: 'extra', instance_id: 'extra-1', address: '127.0.0.1', port: 9 },
        ttl_seconds: 60,
      });
      const applied = await applyConfig(two, rateLimit('after-leader-lost', 'backend'));
      await waitFor(() => registers(two, 'extra-1'), 'the other replica to see the new instance');
      await waitFor(
        async () => (await configVersion(one)) === Number(applied.version),
        'the other replica at the new config version',
      );
      await load.answersMore(100, 'after the kill');
      await leader.start();
    } finally {
      client.close();
      const { failures, answered } = await load.stop();
      assert.deepEqual(failures, [], `${failures.length} of ${answered + failures.length} requests failed`);
    }
  });

  it('every etcd member down: traffic goes on, writes fail with UNAVAILABLE, and resume when etcd returns', async () => {
    const [one, two] = replicas as [ControlPlaneProcess, ControlPlaneProcess];
    const load = startLoad({ address: (sidecars[1] as SidecarProcess).outbound, host: 'backend' });
    const client = registryClient(two.grpc);
    const registration = {
      instance: { service: 'late', instance_id: 'late-1', address: '127.0.0.1', port: 9 },
      ttl_seconds: 60,
    };
    try {
      await load.answersMore(50, 'before the outage');
      await Promise.all(members.map((member) => member.stop('SIGKILL')));

      await assert.rejects(register(client, registration), (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.UNAVAILABLE, error.details);
        assert.match(error.details, /registration failed: the store \(etcd [\d.:,]+\) is unavailable/);
        return true;
      });
      await assert.rejects(applyConfig(one, rateLimit('while-down', 'frontend')), (error: unknown) => {
        assert.ok(error instanceof ConfigApiError, String(error));
        assert.equal(error.code, grpc.status.UNAVAILABLE, error.message);
        assert.match(error.message, /config change failed: the store \(etcd [\d.:,]+\) is unavailable/);
        return true;
      });
      await load.answersMore(100, 'while etcd is down');

      await Promise.all(members.map((member) => member.start()));
      await waitFor(
        () =>
          register(client, registration).then(
            () => true,
            () => false,
          ),
        'registrations to succeed again',
        30_000,
      );
      await waitFor(() => registers(one, 'late-1'), 'the other replica to see the instance registered after');
      // The sidecars' leases lived through the outage: their instances are still there, on both replicas.
      for (const replica of [one, two])
        for (const id of ['backend-1', 'frontend-1'])
          assert.ok(await registers(replica, id), `${id} on ${replica.grpc}`);
      const applied = await applyConfig(one, rateLimit('after-outage', 'frontend'));
      await waitFor(
        async () => (await configVersion(two)) === Number(applied.version),
        'the other replica at the config written after',
      );
      await load.answersMore(50, 'after etcd returned');
    } finally {
      client.close();
      const { failures, answered } = await load.stop();
      assert.deepEqual(failures, [], `${failures.length} of ${answered + failures.length} requests failed`);
    }
  });
});
