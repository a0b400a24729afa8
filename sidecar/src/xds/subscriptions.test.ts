import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL, decodeResource, encodeResource } from '../../../proto/xds.js';
import { translate } from '../../../control-plane/src/translate/translate.js';
import { servesListener } from '../../../shared/sidecar-listener-names.js';
import { endpointNamesOf, routeNamesOf } from './subscriptions.js';

// The sidecar reads what the control plane sends: decode translate's output as it arrives.
function decoded(typeUrl: string, resources: Map<string, object>): never[] {
  return [...resources.values()].map((resource) => decodeResource(encodeResource(typeUrl, resource)) as never);
}

describe('subscriptions', () => {
  const instance = { namespace: 'default', address: '127.0.0.1', port: 1, labels: {}, protocol: 'http' as const };
  const snapshot = translate(
    [
      { name: 'a', namespace: 'default', instances: [{ ...instance, service: 'a', instanceId: 'a-1' }] },
      { name: 'b', namespace: 'default', instances: [{ ...instance, service: 'b', instanceId: 'b-1' }] },
    ],
    'default',
  );

  it('asks RDS for the route tables its listeners name', () => {
    const outbound = new Map([['outbound', snapshot[TYPE_URL.listener].get('outbound') as object]]);
    assert.deepEqual(routeNamesOf(decoded(TYPE_URL.listener, outbound)), ['outbound']);
  });

  it('asks nothing of RDS for listeners with inline route tables', () => {
    const apiListeners = new Map([...snapshot[TYPE_URL.listener]].filter(([name]) => name !== 'outbound'));
    assert.deepEqual(routeNamesOf(decoded(TYPE_URL.listener, apiListeners)), []);
  });

  it('serves, of every listener LDS sends, outbound, its own inbound listener and the outbound TCP listeners', () => {
    const listeners = new Map([...snapshot[TYPE_URL.listener], ['outbound|5432||db.default.svc.cluster.local', {}]]);
    assert.deepEqual([...listeners.keys()].filter(servesListener('inbound|a.default.svc.cluster.local')).sort(), [
      'inbound|a.default.svc.cluster.local',
      'outbound',
      'outbound|5432||db.default.svc.cluster.local',
    ]);
  });

  it('asks EDS for every EDS cluster, by service name', () => {
    assert.deepEqual(endpointNamesOf(decoded(TYPE_URL.cluster, snapshot[TYPE_URL.cluster])), [
      'a.default.svc.cluster.local',
      'b.default.svc.cluster.local',
    ]);
  });
});
