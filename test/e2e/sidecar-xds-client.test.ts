// The sidecar's ADS client against a scripted xDS server: what it asks for, and how it rejects
// responses it cannot use (unknown type URL, a resource of the wrong type) without dying.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DiscoveryRequest__Output } from '../../proto/gen/envoy/service/discovery/v3/DiscoveryRequest.js';
import { TYPE_URL, aggregatedDiscoveryService, encodeResource, type DiscoveryResponseOut } from '../../proto/xds.js';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { startCli, waitFor, type RunningProcess } from '../support/processes.js';

describe('sidecar xDS client', () => {
  let server: grpc.Server;
  let address: string;
  let app: TestApp;
  let sidecar: RunningProcess;
  const requests: DiscoveryRequest__Output[] = [];
  let stream: grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponseOut> | undefined;

  before(async () => {
    server = new grpc.Server();
    server.addService(aggregatedDiscoveryService, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponseOut>) => {
        stream = call;
        call.on('data', (request: DiscoveryRequest__Output) => requests.push(request));
        call.on('error', () => undefined);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    address = `127.0.0.1:${port}`;
    app = await startNamedApp('app');
    [sidecar] = await startCli(
      [
        'sidecar',
        '--service',
        'probe',
        '--instance-id',
        'probe-1',
        '--app-port',
        String(app.port),
        '--control-plane',
        address,
      ].concat([
        '--inbound-listen',
        '127.0.0.1:0',
        '--outbound-listen',
        '127.0.0.1:0',
        '--admin-listen',
        '127.0.0.1:0',
      ]),
      'sidecar listening',
    );
  });

  after(async () => {
    await sidecar?.stop('SIGKILL');
    server?.forceShutdown();
    await app?.close();
  });

  it("identifies itself and asks for every cluster and every listener (the TCP ports are the listeners' to name)", async () => {
    await waitFor(() => requests.length >= 2, 'the initial requests');
    const [cds, lds] = requests;
    assert.equal(cds?.type_url, TYPE_URL.cluster);
    assert.deepEqual(cds?.resource_names, [], 'CDS is a wildcard subscription');
    assert.equal(cds?.node?.id, 'sidecar~probe-1.default');
    assert.equal(lds?.type_url, TYPE_URL.listener);
    assert.deepEqual(lds?.resource_names, [], 'LDS is a wildcard subscription');
  });

  it('NACKs a response of a type URL it does not subscribe to, and stays up', async () => {
    const unknown = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
    stream?.write({ version_info: 'v1', type_url: unknown, nonce: 'n1', resources: [] });
    await waitFor(() => requests.some((request) => request.response_nonce === 'n1'), 'the NACK');
    const nack = requests.find((request) => request.response_nonce === 'n1');
    assert.equal(nack?.error_detail?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(nack?.error_detail?.message ?? '', /Secret" is not a type this sidecar subscribes to/);
    assert.equal(sidecar.child.exitCode, null);
  });

  it('NACKs a CDS response holding a resource of another type, naming it', async () => {
    stream?.write({
      version_info: 'v2',
      type_url: TYPE_URL.cluster,
      nonce: 'n2',
      resources: [encodeResource(TYPE_URL.route, { name: 'stray' })],
    });
    await waitFor(() => requests.some((request) => request.response_nonce === 'n2'), 'the NACK');
    const nack = requests.find((request) => request.response_nonce === 'n2');
    assert.match(
      nack?.error_detail?.message ?? '',
      /resources\[0\]: type "type\.googleapis\.com\/envoy\.config\.route\.v3\.RouteConfiguration" in a response for .*Cluster/,
    );
    assert.equal(nack?.version_info, '', 'nothing was accepted yet');
  });

  it('ACKs a good CDS response and then asks EDS for its clusters', async () => {
    const cluster = {
      name: 'web',
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {} }, service_name: 'web' },
      lb_policy: 'ROUND_ROBIN',
    };
    stream?.write({
      version_info: 'v3',
      type_url: TYPE_URL.cluster,
      nonce: 'n3',
      resources: [encodeResource(TYPE_URL.cluster, cluster)],
    });
    await waitFor(() => requests.some((request) => request.type_url === TYPE_URL.endpoint), 'the EDS request');
    const ack = requests.find((request) => request.response_nonce === 'n3');
    assert.equal(ack?.version_info, 'v3');
    assert.equal(ack?.error_detail, undefined);
    assert.deepEqual(requests.find((request) => request.type_url === TYPE_URL.endpoint)?.resource_names, ['web']);
  });
});
