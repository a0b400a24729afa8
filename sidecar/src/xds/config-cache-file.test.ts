import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL } from '../../../proto/xds.js';
import { received, sentResources } from '../../test-support/compile-fixtures.js';
import { decodeCachedConfig, encodeCachedConfig, type CachedConfig } from './config-cache-file.js';

const resources = received(
  sentResources('default', [{ name: 'backend', namespace: 'default', endpoints: [{ port: 8080 }] }]),
);
const config: CachedConfig = {
  owner: 'default/frontend',
  savedAt: '2026-12-06T20:00:00.000Z',
  types: [
    { typeUrl: TYPE_URL.cluster, version: 'c1', resources: [...resources.clusters.values()] },
    { typeUrl: TYPE_URL.endpoint, version: 'e1', resources: [...resources.endpoints.values()] },
    { typeUrl: TYPE_URL.listener, version: 'l1', resources: [...resources.listeners.values()] },
    { typeUrl: TYPE_URL.route, version: 'r1', resources: [...resources.routes.values()] },
    { typeUrl: TYPE_URL.serviceConfig, version: '', resources: [] },
  ],
};

describe('config cache file', () => {
  it('gives back the resources exactly as they were received', () => {
    assert.deepEqual(decodeCachedConfig(encodeCachedConfig(config)), config);
  });

  const encoded = JSON.parse(encodeCachedConfig(config)) as { types: Array<Record<string, unknown>> };
  const broken = (edit: (file: typeof encoded) => void): string => {
    const copy = structuredClone(encoded);
    edit(copy);
    return JSON.stringify(copy);
  };
  for (const [what, text, message] of [
    ['a truncated file', encodeCachedConfig(config).slice(0, 100), /^not JSON/],
    ['another format', JSON.stringify({ ...encoded, format: 'v0' }), /^format is "v0", not "pilotfish/],
    [
      'a type it does not use',
      broken((file) => (file.types[1] = { ...file.types[1], typeUrl: 'x' })),
      /^types\[1\]\.typeUrl: "x" is not a type/,
    ],
    [
      'a version that is no string',
      broken((file) => (file.types[2] = { ...file.types[2], version: 3 })),
      /^types\[2\]\.version: not a string/,
    ],
    [
      'a resource that does not decode',
      broken((file) => (file.types[0] = { ...file.types[0], resources: ['//8='] })),
      /^types\[0\]\.resources\[0\]: not a type\.googleapis\.com\/envoy\.config\.cluster\.v3\.Cluster/,
    ],
    ['no owner', JSON.stringify({ ...encoded, owner: undefined }), /^owner: not a string/],
  ] as const) {
    it(`says what is wrong, and where, in ${what}`, () => {
      assert.throws(() => decodeCachedConfig(text), { message });
    });
  }
});
