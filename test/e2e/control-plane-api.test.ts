// The control plane's own API and xDS edge with real gRPC clients: bad registrations are refused
// with the field named, Watch streams changes, and an unknown xDS type URL does not crash anything.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WatchEvent__Output } from '../../proto/gen/pilotfish/v1/WatchEvent.js';
import { callerCredentials } from '../support/mesh-security.js';
import { TYPE_URL, createAdsClient, type DiscoveryResponseIn } from '../../proto/xds.js';
import { runCli, startControlPlane, waitFor, type ControlPlaneProcess } from '../support/processes.js';
import { deregister, register, registryClient } from '../support/registry-client.js';

describe('control plane API', () => {
  let controlPlane: ControlPlaneProcess;

  before(async () => {
    controlPlane = await startControlPlane();
  });

  after(async () => {
    await controlPlane?.stop();
  });

  const bad: Array<[string, object, RegExp]> = [
    ['a missing service name', { address: '127.0.0.1', port: 80 }, /^instance\.service: is required/],
    [
      'a bad address',
      { service: 'a', address: '300.1.1.1', port: 80 },
      /^instance\.address: "300\.1\.1\.1" is not an IPv4 or IPv6 address/,
    ],
    [
      'a port outside 1–65535',
      { service: 'a', address: '127.0.0.1', port: 70000 },
      /^instance\.port: must be in 1–65535, got 70000/,
    ],
  ];
  for (const [name, instance, message] of bad) {
    it(`refuses a registration with ${name} as INVALID_ARGUMENT naming the field`, async () => {
      const registry = registryClient(controlPlane.grpc);
      await assert.rejects(register(registry, { instance }), (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
        assert.match(error.details, message);
        return true;
      });
      registry.close();
    });
  }

  const oversized: Array<[string, object, grpc.status, RegExp]> = [
    [
      'a 1 MB service name',
      { service: 'a'.repeat(1_000_000), address: '127.0.0.1', port: 80 },
      grpc.status.INVALID_ARGUMENT,
      /^instance\.service: "a{100}"… \(1000000 characters\) is not a DNS label/,
    ],
    [
      'a 1 MB label value',
      { service: 'a', address: '127.0.0.1', port: 80, labels: { version: 'v'.repeat(1_000_000) } },
      grpc.status.INVALID_ARGUMENT,
      /^instance\.labels\["version"\]: value "v{100}"… \(1000000 characters\) is not a valid label value/,
    ],
    [
      'a 5 MB label key (over the 4 MiB request limit)',
      { service: 'a', address: '127.0.0.1', port: 80, labels: { ['k'.repeat(5_000_000)]: 'v' } },
      grpc.status.RESOURCE_EXHAUSTED,
      /larger than max/,
    ],
  ];
  for (const [name, instance, code, message] of oversized) {
    it(`answers ${name} with a short error, and the same channel keeps serving`, async () => {
      const registry = registryClient(controlPlane.grpc);
      // The deadline only keeps a hang from stalling the suite; the answer is expected at once.
      const deadline = () => ({ deadline: Date.now() + 10_000 });
      const error = await new Promise<grpc.ServiceError | null>((resolve) =>
        registry.Register({ instance }, deadline(), (failure) => resolve(failure)),
      );
      assert.equal(error?.code, code, error?.details);
      assert.match(error?.details ?? '', message);
      assert.ok((error?.details.length ?? 0) < 300, `details of ${error?.details.length} characters`);
      const good = await new Promise<string | undefined>((resolve, reject) =>
        registry.Register(
          { instance: { service: 'after-big', address: '127.0.0.1', port: 80 } },
          deadline(),
          (failure, response) => (failure ? reject(failure) : resolve(response?.lease_id)),
        ),
      );
      assert.ok(good, 'a normal registration on the same channel gets its lease');
      await deregister(registry, good);
      registry.close();
    });
  }

  it('refuses to move a registered instance id to another service or address without its lease (ALREADY_EXISTS)', async () => {
    const owner = registryClient(controlPlane.grpc);
    const intruder = registryClient(controlPlane.grpc);
    const instance = { service: 'owned', instance_id: 'owned-1', address: '127.0.0.1', port: 2001 };
    const held = await register(owner, { instance });
    for (const change of [{ service: 'other' }, { address: '127.0.0.2' }]) {
      await assert.rejects(register(intruder, { instance: { ...instance, ...change } }), (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.ALREADY_EXISTS);
        assert.match(error.details, /"owned-1" is registered to service "owned" at 127\.0\.0\.1/);
        return true;
      });
    }
    const services = await new Promise<string[]>((resolve, reject) =>
      intruder.ListServices({}, (error, response) =>
        error
          ? reject(error)
          : resolve(
              (response?.services ?? []).flatMap((service) =>
                (service.instances ?? []).map((i) => `${service.name} ${i.instance_id} ${i.address}`),
              ),
            ),
      ),
    );
    assert.ok(services.includes('owned owned-1 127.0.0.1'), services.join(', '));
    assert.ok(!services.some((line) => line.startsWith('other ')), services.join(', '));
    const moved = await register(owner, {
      instance: { ...instance, address: '127.0.0.2' },
      lease_id: held.lease_id ?? '',
    });
    assert.equal(moved.instance?.address, '127.0.0.2', 'the lease holder may move it');
    await deregister(owner, moved.lease_id ?? '');
    owner.close();
    intruder.close();
  });

  for (const port of ['gRPC', 'admin'] as const) {
    it(`refuses to start on ${port} port in use with one clear error naming it, no stack and no stray grpc-js line`, async () => {
      const taken = port === 'gRPC' ? controlPlane.grpc : controlPlane.admin;
      const [grpcListen, adminListen] = port === 'gRPC' ? [taken, '127.0.0.1:0'] : ['127.0.0.1:0', taken];
      const result = await runCli(['control-plane', '--grpc-listen', grpcListen, '--admin-listen', adminListen]);
      assert.equal(result.code, 1);
      const plain = result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{'));
      assert.equal(plain.length, 1, result.stderr);
      assert.match(plain[0] ?? '', new RegExp(`^pilotfish: cannot listen on ${taken} \\(${port}\\).*EADDRINUSE`));
    });
  }

  it('streams registrations and removals to Watch, after the current state', async () => {
    const registry = registryClient(controlPlane.grpc);
    const first = await register(registry, {
      instance: { service: 'watched', instance_id: 'w-1', address: '127.0.0.1', port: 1001 },
    });
    const events: string[] = [];
    const call = registry.Watch({ namespace: 'default' });
    call.on('data', (event: WatchEvent__Output) => events.push(`${event.type} ${event.instance?.instance_id}`));
    call.on('error', () => undefined);
    await waitFor(() => events.length === 1, 'the replay of current state');
    const second = await register(registry, {
      instance: { service: 'watched', instance_id: 'w-2', address: '127.0.0.1', port: 1002 },
    });
    await deregister(registry, first.lease_id ?? '');
    await waitFor(() => events.length === 3, 'the change events');
    assert.deepEqual(events, ['ADDED w-1', 'ADDED w-2', 'REMOVED w-1']);
    call.cancel();
    await deregister(registry, second.lease_id ?? '');
    registry.close();
  });

  it('records an xDS request for an unknown type URL and keeps the stream serving', async () => {
    const client = createAdsClient(controlPlane.grpc, {}, callerCredentials(controlPlane.grpc));
    const stream = client.StreamAggregatedResources();
    const responses: DiscoveryResponseIn[] = [];
    stream.on('data', (response: DiscoveryResponseIn) => responses.push(response));
    stream.on('error', () => undefined);
    const unknown = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
    stream.write({
      node: { id: 'raw-client', locality: {} },
      type_url: unknown,
      resource_names: [],
      version_info: '',
      response_nonce: '',
    });
    stream.write({ type_url: TYPE_URL.listener, resource_names: ['outbound'], version_info: '', response_nonce: '' });
    await waitFor(() => responses.length === 1, 'the LDS answer');
    assert.equal(responses[0]?.type_url, TYPE_URL.listener);
    const view = (await (await fetch(`http://${controlPlane.admin}/debug/proxies`)).json()) as {
      proxies: Array<{ nodeId: string; unsupportedRequests: Array<{ typeUrl: string; message: string }> }>;
    };
    const raw = view.proxies.find((proxy) => proxy.nodeId === 'raw-client');
    assert.equal(raw?.unsupportedRequests[0]?.typeUrl, unknown);
    assert.match(raw?.unsupportedRequests[0]?.message ?? '', /is not served by this control plane/);
    stream.cancel();
    client.close();
  });

  it('ends a stream whose first request has no node id with INVALID_ARGUMENT', async () => {
    const client = createAdsClient(controlPlane.grpc, {}, callerCredentials(controlPlane.grpc));
    const stream = client.StreamAggregatedResources();
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      stream.on('error', resolve);
      stream.on('data', () => undefined);
      stream.write({ type_url: TYPE_URL.cluster, resource_names: [], version_info: '', response_nonce: '' });
    });
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
    assert.match(error.details, /node\.id/);
    client.close();
  });
});
