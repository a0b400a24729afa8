// The hand-written DiscoveryResponse encoding decodes, with the real protos, to what was sent:
// a per-stream resource list and a shared pre-encoded one alike.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EncodedResourceList, discoveryResponseMessage, summarizeDiscoveryResponse } from './discovery-response.js';
import { TYPE_URL, aggregatedDiscoveryService, encodeResource } from './xds.js';

const { responseSerialize, responseDeserialize } = aggregatedDiscoveryService.StreamAggregatedResources;
// Names long enough that some Anys need a two-byte length.
const resources = ['a', 'b'.repeat(300), 'ü-ñ'].map((name) =>
  encodeResource(TYPE_URL.cluster, { name, type: 'EDS', eds_cluster_config: { service_name: name } }),
);

describe('encodeDiscoveryResponse', () => {
  for (const [kind, list] of [
    ['a list of resources', resources],
    ['a shared pre-encoded list', EncodedResourceList.of(resources)],
  ] as const) {
    it(`encodes ${kind} as the protos decode it`, () => {
      const bytes = responseSerialize({
        version_info: 'v1',
        resources: list,
        type_url: TYPE_URL.cluster,
        nonce: 'n°7',
      });
      const decoded = responseDeserialize(bytes);
      assert.equal(decoded.version_info, 'v1');
      assert.equal(decoded.nonce, 'n°7');
      assert.equal(decoded.type_url, TYPE_URL.cluster);
      assert.deepEqual(
        decoded.resources.map((resource) => resource.name),
        ['a', 'b'.repeat(300), 'ü-ñ'],
      );
    });
  }

  it('leaves out an empty version_info, as protobuf does', () => {
    const bytes = responseSerialize({ version_info: '', resources: [], type_url: TYPE_URL.cluster, nonce: '1' });
    const decoded = responseDeserialize(bytes);
    assert.equal(decoded.resources.length, 0);
    assert.equal(decoded.nonce, '1');
    assert.equal(bytes.length, 2 + TYPE_URL.cluster.length + 3);
  });

  it('frames a response as a gRPC message that refers to a shared list instead of copying it', () => {
    const list = EncodedResourceList.of(resources);
    const response = { version_info: 'v1', resources: list, type_url: TYPE_URL.cluster, nonce: '7' };
    const chunks = discoveryResponseMessage(response);
    assert.equal(chunks[1], list.bytes);
    const framed = Buffer.concat(chunks);
    assert.equal(framed[0], 0);
    assert.equal(framed.readUInt32BE(1), framed.length - 5);
    const decoded = responseDeserialize(framed.subarray(5));
    assert.equal(decoded.nonce, '7');
    assert.deepEqual(decoded, responseDeserialize(responseSerialize(response)));
  });

  it('summarizes a response off the wire: version, nonce, type and how many resources', () => {
    const list = EncodedResourceList.of(resources);
    const response = { version_info: 'v9', resources: list, type_url: TYPE_URL.cluster, nonce: 'n°1' };
    const summary = { version_info: 'v9', nonce: 'n°1', type_url: TYPE_URL.cluster, resources: 3 };
    assert.deepEqual(summarizeDiscoveryResponse(responseSerialize(response)), summary);
    assert.deepEqual(
      summarizeDiscoveryResponse(Buffer.concat(discoveryResponseMessage(response)).subarray(5)),
      summary,
    );
    assert.throws(() => summarizeDiscoveryResponse(Buffer.from([0x0a, 0x80])), /truncated varint/);
  });

  it('frames a per-stream resource list by referring to each encoded resource, not copying it', () => {
    const response = { version_info: 'v2', resources, type_url: TYPE_URL.cluster, nonce: '8' };
    const chunks = discoveryResponseMessage(response);
    for (const resource of resources) assert.ok(chunks.includes(resource.any));
    const framed = Buffer.concat(chunks);
    assert.equal(framed.readUInt32BE(1), framed.length - 5);
    assert.deepEqual(responseDeserialize(framed.subarray(5)), responseDeserialize(responseSerialize(response)));
  });
});
