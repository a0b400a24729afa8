// Responses written straight onto grpc-js's HTTP/2 stream reach a real grpc-js client whole, behind
// an interceptor as the control plane runs, and end with the call's status as before.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  EncodedResourceList,
  TYPE_URL,
  aggregatedDiscoveryService,
  createAdsClient,
  encodeResource,
  type DiscoveryResponseIn,
} from '../../../proto/xds.js';
import { http2StreamOf, responseWriter, type AdsCall } from './response-writer.js';

const clusters = ['a', 'b'.repeat(300), 'c'].map((name) =>
  encodeResource(TYPE_URL.cluster, { name, type: 'EDS', eds_cluster_config: { service_name: name } }),
);
const shared = EncodedResourceList.of(clusters);

describe('responseWriter', () => {
  const server = new grpc.Server({ interceptors: [(_method, call) => new grpc.ServerInterceptingCall(call)] });
  let address = '';
  let foundStream: boolean | undefined;

  before(async () => {
    server.addService(aggregatedDiscoveryService, {
      StreamAggregatedResources: (call: AdsCall) => {
        foundStream = http2StreamOf(call) !== undefined;
        const write = responseWriter(call);
        call.once('data', () => {
          write({ version_info: 'v1', resources: shared, type_url: TYPE_URL.cluster, nonce: '1' });
          write({ version_info: 'v2', resources: clusters.slice(1), type_url: TYPE_URL.cluster, nonce: '2' });
          write({ version_info: 'v3', resources: EncodedResourceList.of([]), type_url: TYPE_URL.cluster, nonce: '3' });
          call.end();
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    address = `127.0.0.1:${port}`;
  });

  after(() => server.forceShutdown());

  it('finds the HTTP/2 stream under the pinned grpc-js, so shared lists are never copied per proxy', async () => {
    const responses = await exchange(address);
    assert.equal(foundStream, true);
    assert.equal(responses.length, 3);
  });

  it('delivers shared and per-stream resource lists whole, in order, then the status OK', async () => {
    const responses = await exchange(address);
    assert.deepEqual(
      responses.map((response) => [
        response.version_info,
        response.nonce,
        response.resources.map((resource) => resource.name),
      ]),
      [
        ['v1', '1', ['a', 'b'.repeat(300), 'c']],
        ['v2', '2', ['b'.repeat(300), 'c']],
        ['v3', '3', []],
      ],
    );
  });
});

async function exchange(address: string): Promise<DiscoveryResponseIn[]> {
  const client = createAdsClient(address);
  try {
    const stream = client.StreamAggregatedResources();
    const responses: DiscoveryResponseIn[] = [];
    stream.on('data', (response: DiscoveryResponseIn) => responses.push(response));
    const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
    stream.on('error', () => undefined); // the status says how it ended
    stream.write({ type_url: TYPE_URL.cluster, resource_names: [], version_info: '', response_nonce: '' });
    stream.end();
    assert.equal((await status).code, grpc.status.OK);
    return responses;
  } finally {
    client.close();
  }
}
