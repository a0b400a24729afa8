// A replica cut off from etcd while the others write and etcd compacts its history cannot resume its
// watch where it left off: it reads the whole store again and follows it from there (real etcd).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { applyConfig, markedRoute } from '../support/config-api.js';
import { startEtcd, type EtcdMember } from '../support/etcd.js';
import { testStateDir } from '../support/mesh-security.js';
import { startControlPlane, waitFor, type ControlPlaneProcess } from '../support/processes.js';
import { deregister, register, registryClient } from '../support/registry-client.js';
import { startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';

async function configVersion(controlPlane: ControlPlaneProcess): Promise<number> {
  return ((await (await fetch(`http://${controlPlane.admin}/debug/config`)).json()) as { version: number }).version;
}

async function registryText(controlPlane: ControlPlaneProcess): Promise<string> {
  return (await fetch(`http://${controlPlane.admin}/debug/registry`)).text();
}

describe('a replica whose etcd watch revision was compacted', () => {
  let etcd: EtcdMember;
  let relay: TcpRelay;
  let cutOff: ControlPlaneProcess;
  let writer: ControlPlaneProcess;

  before(async () => {
    etcd = await startEtcd();
    const port = Number(etcd.storeUrl.split(':').at(-1));
    relay = await startTcpRelay({ host: '127.0.0.1', port });
    const stateDir = testStateDir();
    cutOff = await startControlPlane(['--store', `etcd://${relay.address}`, '--state-dir', stateDir]);
    writer = await startControlPlane(['--store', etcd.storeUrl, '--state-dir', stateDir]);
  });

  after(async () => {
    await Promise.all([cutOff.stop(), writer.stop()]);
    await relay.close();
    await etcd.remove();
  });

  it('reads the whole store again, then follows registrations and config as before', async () => {
    const client = registryClient(writer.grpc);
    const etcdClient = new Etcd3({ hosts: etcd.clientUrl });
    try {
      const gone = await register(client, {
        instance: { service: 'old', instance_id: 'old-1', address: '127.0.0.1', port: 9 },
        ttl_seconds: 60,
      });
      await waitFor(async () => (await registryText(cutOff)).includes('"old-1"'), 'the cut-off replica to see old-1');

      relay.cut();
      const applied = await applyConfig(writer, markedRoute('while-cut-off'));
      await register(client, {
        instance: { service: 'new', instance_id: 'new-1', address: '127.0.0.1', port: 9 },
        ttl_seconds: 60,
      });
      await deregister(client, String(gone.lease_id));
      const { header } = await etcdClient.kv.range({ key: Buffer.from('/pilotfish/') });
      await etcdClient.kv.compact({ revision: header.revision, physical: true });
      relay.restore();

      await waitFor(
        async () => (await configVersion(cutOff)) === Number(applied.version),
        'the cut-off replica at the config written meanwhile',
        30_000,
      );
      await waitFor(async () => {
        const registry = await registryText(cutOff);
        return registry.includes('"new-1"') && !registry.includes('"old-1"');
      }, 'the cut-off replica to have the registry as it is now');
      assert.match(cutOff.logs(), /store watch canceled; reading the whole store again/);

      const next = await applyConfig(writer, markedRoute('after'));
      await waitFor(
        async () => (await configVersion(cutOff)) === Number(next.version),
        'the replica to follow the store again',
      );
    } finally {
      client.close();
      etcdClient.close();
    }
  });
});
