import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPlainDiscoveryRequest, writePlainDiscoveryRequest } from './discovery-request.js';
import { TYPE_URL, aggregatedDiscoveryService, objectToStruct } from './xds.js';

const { requestSerialize, requestDeserialize } = aggregatedDiscoveryService.StreamAggregatedResources;
const ACK = {
  version_info: '3f2a9c0d11b4e7a8',
  resource_names: ['backend.default.svc.cluster.local', 'döner.default.svc.cluster.local'],
  type_url: TYPE_URL.endpoint,
  response_nonce: '42',
};

describe('plain DiscoveryRequest (ACK)', () => {
  it('reads what protobufjs writes, field for field, and writes the same bytes', () => {
    const bytes = requestSerialize(ACK);
    assert.deepEqual(readPlainDiscoveryRequest(bytes), ACK);
    assert.deepEqual(writePlainDiscoveryRequest(ACK), bytes);
    const wildcard = { resource_names: [], type_url: TYPE_URL.cluster, version_info: 'v1', response_nonce: '7' };
    assert.deepEqual(writePlainDiscoveryRequest(wildcard), requestSerialize(wildcard));
    assert.deepEqual(readPlainDiscoveryRequest(requestSerialize(wildcard)), wildcard);
  });

  it('leaves a first request (with its node), a NACK and a cut-short message to protobufjs', () => {
    const first = requestSerialize({ ...ACK, node: { id: 'n', metadata: objectToStruct({ NAMESPACE: 'shop' }) } });
    const nack = requestSerialize({ ...ACK, error_detail: { code: 3, message: 'bad cluster' } });
    assert.equal(readPlainDiscoveryRequest(first), undefined);
    assert.equal(readPlainDiscoveryRequest(nack), undefined);
    assert.equal(readPlainDiscoveryRequest(requestSerialize(ACK).subarray(0, 20)), undefined);
    assert.equal(requestDeserialize(first).node?.id, 'n');
    assert.equal(requestDeserialize(nack).error_detail?.message, 'bad cluster');
    assert.deepEqual(requestDeserialize(requestSerialize(ACK)), ACK);
  });
});
