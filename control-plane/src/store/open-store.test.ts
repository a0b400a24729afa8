import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStoreLocation } from './open-store.js';

describe('--store', () => {
  const accepted: Array<[string, Record<string, string>, object]> = [
    ['memory', {}, { kind: 'memory' }],
    ['etcd://127.0.0.1:2379', {}, { kind: 'etcd', endpoints: ['127.0.0.1:2379'] }],
    [
      'etcd://10.0.0.1:2379, 10.0.0.2:2379,[::1]:2379',
      { caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem' },
      {
        kind: 'etcd',
        endpoints: ['10.0.0.1:2379', '10.0.0.2:2379', '[::1]:2379'],
        caFile: 'ca.pem',
        certFile: 'c.pem',
        keyFile: 'k.pem',
      },
    ],
  ];
  for (const [value, tls, location] of accepted) {
    it(`reads ${value}`, () => assert.deepEqual(parseStoreLocation(value, tls), location));
  }

  const refused: Array<[string, Record<string, string>, RegExp]> = [
    ['redis://127.0.0.1:6379', {}, /--store: "redis:\/\/127\.0\.0\.1:6379" is not memory or etcd:\/\/host:port/],
    ['etcd://127.0.0.1', {}, /--store: "127\.0\.0\.1" is not HOST:PORT/],
    ['memory', { caFile: 'ca.pem' }, /--etcd-ca, --etcd-cert and --etcd-key need --store etcd/],
    ['etcd://127.0.0.1:2379', { certFile: 'c.pem', keyFile: 'k.pem' }, /need --etcd-ca/],
    ['etcd://127.0.0.1:2379', { caFile: 'ca.pem', certFile: 'c.pem' }, /--etcd-cert and --etcd-key go together/],
  ];
  for (const [value, tls, message] of refused) {
    it(`refuses ${value} with ${Object.keys(tls).join(', ') || 'no TLS files'}, saying why`, () =>
      assert.throws(() => parseStoreLocation(value, tls), message));
  }
});
