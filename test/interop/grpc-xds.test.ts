// Interop with an xDS client no one here wrote: @grpc/grpc-js-xds (proxyless gRPC) dials
// xds:///<service> through our control plane, reaches the registered instances and follows changes,
// and shares a sidecar-fronted service with clients that go through their own sidecar.
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EchoClient, echo, startEchoServer } from '../support/echo-service.js';
import { startNamedApp } from '../support/apps.js';
import { echoCall, KindsClient, kindsClient, startKindsServer } from '../support/grpc-test-service.js';
import { startControlPlane, startSidecar, waitFor, type ControlPlaneProcess } from '../support/processes.js';
import { deregister, register, registryClient } from '../support/registry-client.js';

describe('proxyless gRPC clients (grpc-js-xds) through the control plane', () => {
  let controlPlane: ControlPlaneProcess;
  const servers: Array<Awaited<ReturnType<typeof startEchoServer>>> = [];
  let client: grpc.Client;

  before(async () => {
    // grpc-js-xds dials with insecure channel credentials here: the control plane runs plaintext.
    controlPlane = await startControlPlane([], {}, { plaintext: true });
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
      xds_servers: [
        { server_uri: controlPlane.grpc, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
      ],
      node: { id: 'interop-client', locality: {}, metadata: { NAMESPACE: 'interop' } },
    });
    grpcXds.register();
  });

  after(async () => {
    client?.close();
    await Promise.all(servers.map((server) => server.stop()));
    await controlPlane?.stop();
  });

  async function fromSet(calls: number): Promise<Set<string>> {
    const seen = new Set<string>();
    for (let i = 0; i < calls; i++) seen.add((await echo(client, `call ${i}`)).from);
    return seen;
  }

  it('reaches every registered instance of the service and follows registrations and removals', async () => {
    const registry = registryClient(controlPlane.grpc);
    const leases: string[] = [];
    for (const name of ['echo-1', 'echo-2', 'echo-3']) servers.push(await startEchoServer(name));
    for (const [index, server] of servers.slice(0, 2).entries()) {
      const response = await register(registry, {
        instance: {
          service: 'echo',
          namespace: 'interop',
          instance_id: `echo-${index + 1}`,
          address: '127.0.0.1',
          port: server.port,
          protocol: 'grpc',
        },
        ttl_seconds: 30,
      });
      leases.push(response.lease_id ?? '');
    }
    client = new EchoClient('xds:///echo.interop', grpc.credentials.createInsecure());
    assert.deepEqual([...(await fromSet(8))].sort(), ['echo-1', 'echo-2']);

    await register(registry, {
      instance: {
        service: 'echo',
        namespace: 'interop',
        instance_id: 'echo-3',
        address: '127.0.0.1',
        port: (servers[2] as { port: number }).port,
        protocol: 'grpc',
      },
      ttl_seconds: 30,
    });
    await waitFor(async () => (await fromSet(6)).has('echo-3'), 'the new instance to receive calls');

    await deregister(registry, leases[0] as string);
    await waitFor(async () => !(await fromSet(6)).has('echo-1'), 'the removed instance to stop receiving calls');
    assert.deepEqual([...(await fromSet(8))].sort(), ['echo-2', 'echo-3']);

    const proxies = (await (await fetch(`http://${controlPlane.admin}/debug/proxies`)).json()) as {
      proxies: Array<Record<string, any>>;
    };
    const proxyless = proxies.proxies.find((proxy) => proxy.nodeId === 'interop-client');
    assert.ok(proxyless, 'the gRPC client appears among the connected proxies');
    assert.equal(proxyless.role, 'proxyless');
    for (const type of ['LDS', 'CDS', 'EDS']) assert.equal(proxyless.types[type]?.inSync, true, `${type} ACKed`);
    registry.close();
  });

  it('reaches a sidecar-fronted gRPC service that a client behind its own sidecar also calls', async () => {
    const server = await startKindsServer('fronted-1');
    const serverSidecar = await startSidecar({
      service: 'fronted',
      namespace: 'interop',
      instanceId: 'fronted-1',
      appPort: server.port,
      appProtocol: 'grpc',
      controlPlane: controlPlane.grpc,
    });
    const callerApp = await startNamedApp('caller');
    const callerSidecar = await startSidecar({
      service: 'caller',
      namespace: 'interop',
      appPort: callerApp.port,
      controlPlane: controlPlane.grpc,
    });
    const proxyless = new KindsClient('xds:///fronted.interop', grpc.credentials.createInsecure());
    const throughSidecar = kindsClient(callerSidecar.outbound, 'fronted');
    try {
      // The proxyless client dials the registered endpoint: the server's sidecar, inbound, over h2c.
      assert.deepEqual(await echoCall(proxyless, { text: 'proxyless' }), {
        from: 'fronted-1',
        text: 'proxyless',
        size: 0,
        trailer: 'fronted-1',
      });
      await waitFor(
        async () =>
          (await echoCall(throughSidecar, { text: 'x' }, { deadline: Date.now() + 1000 })).from === 'fronted-1',
        'the caller sidecar to route to fronted',
      );
      assert.deepEqual(await echoCall(throughSidecar, { text: 'sidecar' }), {
        from: 'fronted-1',
        text: 'sidecar',
        size: 0,
        trailer: 'fronted-1',
      });
    } finally {
      proxyless.close();
      throughSidecar.close();
      await Promise.all([serverSidecar.stop(), callerSidecar.stop()]);
      await Promise.all([server.stop(), callerApp.close()]);
    }
  });
});
