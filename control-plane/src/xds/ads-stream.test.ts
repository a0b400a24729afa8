import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { DiscoveryRequest__Output } from '../../../proto/gen/envoy/service/discovery/v3/DiscoveryRequest.js';
import type { Struct__Output } from '../../../proto/gen/google/protobuf/Struct.js';
import { TYPE_URL, decodeResource, objectToStruct, type DiscoveryResponseOut } from '../../../proto/xds.js';
import type { ServiceInstance } from '../registry/instance.js';
import { validateConfig } from '../config/config-set.js';
import { translate } from '../translate/translate.js';
import { AdsProtocolError, AdsStream } from './ads-stream.js';
import { SnapshotCache } from './snapshot-cache.js';

function services(...ports: number[]) {
  const instances: ServiceInstance[] = ports.map((port) => ({
    service: 'backend',
    namespace: 'default',
    instanceId: `b-${port}`,
    address: '127.0.0.1',
    port,
    labels: {},
    protocol: 'http',
  }));
  return [{ name: 'backend', namespace: 'default', instances }];
}

/** A service of that name with no instances: its listeners, no endpoints. */
function namedService(name: string) {
  return { name, namespace: 'default', instances: [] as ServiceInstance[] };
}

const node = {
  id: 'sidecar~a',
  // As the server decodes it: enums as strings (an input Struct may carry them as numbers).
  metadata: objectToStruct({ NAMESPACE: 'default', SERVICE: 'frontend', ROLE: 'sidecar' }) as Struct__Output,
};
const EDS_NAME = 'backend.default.svc.cluster.local';

describe('AdsStream (ACK/NACK state machine)', () => {
  let cache: SnapshotCache;
  let sent: DiscoveryResponseOut[];
  let stream: AdsStream;

  beforeEach(() => {
    cache = new SnapshotCache();
    sent = [];
    stream = new AdsStream({
      streamId: 1,
      cache,
      ensureGroup: (group) => {
        if (!cache.hasGroup(group)) cache.setSnapshot(group, translate(services(1000), group));
      },
      send: (response) => sent.push(response),
      controlPlane: 'test',
    });
  });

  function request(partial: Partial<DiscoveryRequest__Output>): void {
    stream.onRequest({
      type_url: TYPE_URL.endpoint,
      resource_names: [EDS_NAME],
      version_info: '',
      response_nonce: '',
      ...partial,
    });
  }

  it('answers the first request, records the ACK and is in sync', () => {
    request({ node });
    assert.equal(sent.length, 1);
    const response = sent[0] as DiscoveryResponseOut;
    assert.equal(response.resources.length, 1);
    request({ version_info: response.version_info, response_nonce: response.nonce });
    assert.equal(sent.length, 1, 'an ACK gets no answer');
    const eds = stream.status?.types.EDS;
    assert.equal(eds?.ackedVersion, response.version_info);
    assert.equal(eds?.inSync, true);
    assert.equal(stream.status?.service, 'frontend');
  });

  it('records a NACK with its error_detail, does not resend, and pushes the next version', () => {
    request({ node });
    const first = sent[0] as DiscoveryResponseOut;
    request({ version_info: first.version_info, response_nonce: first.nonce });
    cache.setSnapshot('default', translate(services(1000, 1001), 'default'));
    const second = sent[1] as DiscoveryResponseOut;
    assert.notEqual(second.version_info, first.version_info);
    request({
      version_info: first.version_info,
      response_nonce: second.nonce,
      error_detail: { code: 3, message: 'bad endpoint', details: [] },
    });
    assert.equal(sent.length, 2, 'a NACK alone is not answered with the same resources');
    const eds = stream.status?.types.EDS;
    assert.equal(eds?.lastNack?.message, 'bad endpoint');
    assert.equal(eds?.lastNack?.version, second.version_info);
    assert.equal(eds?.ackedVersion, first.version_info, 'the proxy still holds the last good version');
    assert.equal(eds?.inSync, false);
    cache.setSnapshot('default', translate(services(1000, 1001, 1002), 'default'));
    assert.equal(sent.length, 3, 'a new version is pushed after a NACK');
  });

  it('pushes only the endpoint assignments that changed (EDS is incremental), but all clusters (CDS is not)', () => {
    const two = (...ports: number[]) => [
      ...services(...ports),
      {
        name: 'db',
        namespace: 'default',
        instances: services(2000)[0]?.instances.map((i) => ({ ...i, service: 'db' })) ?? [],
      },
    ];
    cache.setSnapshot('default', translate(two(1000), 'default'));
    request({ node, resource_names: [EDS_NAME, 'db.default.svc.cluster.local'] });
    request({ type_url: TYPE_URL.cluster, resource_names: [] });
    assert.equal(sent[0]?.resources.length, 2);
    assert.equal(sent[1]?.resources.length, 2);
    cache.setSnapshot('default', translate(two(1000, 1001), 'default'));
    assert.equal(sent.length, 3, 'only EDS changed');
    assert.equal(sent[2]?.type_url, TYPE_URL.endpoint);
    assert.equal(sent[2]?.resources.length, 1, 'only the changed assignment is sent');
  });

  it('ignores a request with a stale nonce', () => {
    request({ node });
    cache.setSnapshot('default', translate(services(1000, 1001), 'default'));
    const [first, second] = sent as [DiscoveryResponseOut, DiscoveryResponseOut];
    request({ version_info: first.version_info, response_nonce: first.nonce });
    assert.equal(stream.status?.types.EDS?.ackedVersion, '', 'an ACK of a superseded response is stale');
    request({ version_info: second.version_info, response_nonce: second.nonce });
    assert.equal(stream.status?.types.EDS?.ackedVersion, second.version_info);
  });

  it('answers a change of subscription, and only with the names asked for', () => {
    cache.setSnapshot(
      'default',
      translate([...services(1000), { name: 'db', namespace: 'default', instances: [] }], 'default'),
    );
    request({ node, resource_names: [], type_url: TYPE_URL.cluster });
    assert.equal(sent[0]?.resources.length, 2, 'an empty first request is a wildcard');
    request({ resource_names: ['db.default.svc.cluster.local'] });
    assert.equal(sent[1]?.resources.length, 1);
    request({
      resource_names: ['db.default.svc.cluster.local', EDS_NAME],
      response_nonce: sent[1]?.nonce,
      version_info: sent[1]?.version_info,
    });
    assert.equal(sent[2]?.resources.length, 2);
  });

  it('does not push a change that touches none of the subscribed names', () => {
    cache.setSnapshot(
      'default',
      translate([...services(1000), { name: 'db', namespace: 'default', instances: [] }], 'default'),
    );
    request({ node, resource_names: ['db.default.svc.cluster.local'] });
    cache.setSnapshot(
      'default',
      translate([...services(1000, 1001), { name: 'db', namespace: 'default', instances: [] }], 'default'),
    );
    assert.equal(sent.length, 1);
  });

  it('answers a named ServiceConfig subscription with nothing until one exists, then pushes only its own changes and its removal', () => {
    const FRONTEND = 'frontend.default.svc.cluster.local';
    const withConfigs = (...configs: Array<[string, string]>) => {
      const text = configs
        .map(
          ([service, parameters]) =>
            `apiVersion: pilotfish.dev/v1\nkind: ServiceConfig\nmetadata: { name: ${service} }\nspec: { service: ${service}, parameters: ${parameters} }\n`,
        )
        .join('---\n');
      const result = validateConfig([{ name: 'c.yaml', text }], { isRegistered: () => true });
      assert.ok(result.ok);
      return translate(services(1000), 'default', result.config);
    };
    const ack = () =>
      request({
        type_url: TYPE_URL.serviceConfig,
        resource_names: [FRONTEND],
        version_info: sent.at(-1)?.version_info,
        response_nonce: sent.at(-1)?.nonce,
      });
    request({ node, type_url: TYPE_URL.serviceConfig, resource_names: [FRONTEND] });
    assert.equal(sent[0]?.resources.length, 0, 'the first request is answered, empty');
    ack();
    cache.setSnapshot('default', withConfigs(['frontend', '{ a: 1 }']));
    assert.equal(sent[1]?.resources.length, 1);
    ack();
    cache.setSnapshot('default', withConfigs(['frontend', '{ a: 1 }'], ['backend', '{ b: 2 }']));
    assert.equal(sent.length, 2, "another service's config is not pushed");
    cache.setSnapshot('default', withConfigs(['backend', '{ b: 2 }']));
    assert.equal(sent[2]?.resources.length, 0, 'removal is a push without the resource (SotW, like LDS)');
    assert.equal(stream.status?.types.SCDS?.subscribed.length, 1);
  });

  it('moves to the group groupOf names once it changes, and sends that group whole', () => {
    let scoped = false;
    const scopedStream = new AdsStream({
      streamId: 2,
      cache,
      ensureGroup: (group) => {
        if (!cache.hasGroup(group))
          cache.setSnapshot(group, translate(group === 'scoped' ? [] : services(1000), 'default'));
      },
      groupOf: (namespace, service) => (scoped && service === 'frontend' ? 'scoped' : namespace),
      send: (response) => sent.push(response),
      controlPlane: 'test',
    });
    scopedStream.onRequest({
      node,
      type_url: TYPE_URL.cluster,
      resource_names: [],
      version_info: '',
      response_nonce: '',
    });
    assert.equal(sent[0]?.resources.length, 1);
    scopedStream.regroup();
    assert.equal(sent.length, 1, 'no change of group, nothing sent');
    scoped = true;
    scopedStream.regroup();
    assert.equal(scopedStream.status?.group, 'scoped');
    assert.equal(sent[1]?.resources.length, 0, "the scoped group's clusters replace the namespace's");
    cache.setSnapshot(
      'default',
      translate([...services(1000), { name: 'db', namespace: 'default', instances: [] }], 'default'),
    );
    assert.equal(sent.length, 2, 'cluster changes of the old group no longer reach it');
    scopedStream.close();
  });

  it("sends a sidecar's wildcard LDS only the listeners it serves, and a proxyless client all of them", () => {
    cache.setSnapshot('default', translate([...services(1000), namedService('frontend')], 'default'));
    const listenerNames = (response: DiscoveryResponseOut | undefined) =>
      Array.isArray(response?.resources)
        ? response.resources.map((resource) => String(decodeResource(resource).name)).sort()
        : [];
    const ldsRequest = { type_url: TYPE_URL.listener, resource_names: [], version_info: '', response_nonce: '' };
    stream.onRequest({ ...ldsRequest, node });
    assert.deepEqual(listenerNames(sent[0]), ['inbound|frontend.default.svc.cluster.local', 'outbound']);
    assert.equal(stream.status?.types.LDS?.sentResources, 2);

    const proxyless = new AdsStream({
      streamId: 2,
      cache,
      ensureGroup: () => undefined,
      send: (response) => sent.push(response),
      controlPlane: 'test',
    });
    proxyless.onRequest({
      ...ldsRequest,
      node: { ...node, id: 'grpc~a', metadata: objectToStruct({ NAMESPACE: 'default' }) as Struct__Output },
    });
    const all = cache.get('default', TYPE_URL.listener)?.resources;
    assert.ok(all?.has('inbound|backend.default.svc.cluster.local'), 'the group holds the other inbound listener');
    assert.equal(sent[1]?.resources.length, all?.size, 'a proxyless client is sent the whole group');
    proxyless.close();
  });

  it("pushes a sidecar every change of its group's listeners, at the group's version (what a restart's warm-up waits for)", () => {
    cache.setSnapshot('default', translate([...services(1000), namedService('frontend')], 'default'));
    const ldsRequest = { type_url: TYPE_URL.listener, resource_names: [], version_info: '', response_nonce: '' };
    stream.onRequest({ ...ldsRequest, node });
    const first = sent[0] as DiscoveryResponseOut;
    stream.onRequest({ ...ldsRequest, version_info: first.version_info, response_nonce: first.nonce });
    cache.setSnapshot(
      'default',
      translate([...services(1000), namedService('frontend'), namedService('db')], 'default'),
    );
    const groupVersion = cache.get('default', TYPE_URL.listener)?.version;
    assert.notEqual(groupVersion, first.version_info);
    assert.equal(
      sent.length,
      2,
      "another service's listener came: the sidecar's listeners did not change, the version did",
    );
    assert.equal(sent[1]?.version_info, groupVersion);
    assert.equal(sent[1]?.resources.length, 2);
  });

  it('records an unknown type URL instead of failing the stream', () => {
    request({ node, type_url: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret' });
    assert.equal(sent.length, 0);
    assert.match(stream.status?.unsupportedRequests[0]?.message ?? '', /Secret" is not served by this control plane/);
    request({});
    assert.equal(sent.length, 1, 'the stream goes on');
  });

  it('refuses a first request without a node id', () => {
    assert.throws(() => request({}), AdsProtocolError);
  });
});
