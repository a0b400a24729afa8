import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRegistrationError, parseInstance } from './instance.js';

const good = { service: 'backend', address: '127.0.0.1', port: 8080 };

describe('parseInstance', () => {
  it('fills in namespace, instance id and protocol', () => {
    const instance = parseInstance(good);
    assert.equal(instance.namespace, 'default');
    assert.equal(instance.protocol, 'http');
    assert.match(instance.instanceId, /^backend-[0-9a-f]{8}$/);
  });

  const bad: Array<[string, object, string, RegExp]> = [
    ['missing service name', { ...good, service: '' }, 'instance.service', /is required/],
    ['service name with capitals', { ...good, service: 'Backend' }, 'instance.service', /not a DNS label/],
    ['bad address', { ...good, address: '10.0.0.300' }, 'instance.address', /not an IPv4 or IPv6 address/],
    ['host name as address', { ...good, address: 'backend.local' }, 'instance.address', /not an IPv4/],
    ['port 0', { ...good, port: 0 }, 'instance.port', /1–65535, got 0/],
    ['port above 65535', { ...good, port: 70000 }, 'instance.port', /1–65535, got 70000/],
    [
      'unknown protocol',
      { ...good, protocol: 'thrift' },
      'instance.protocol',
      /"thrift" is not one of http, http2, grpc, tcp/,
    ],
    ['bad namespace', { ...good, namespace: 'a_b' }, 'instance.namespace', /not a DNS label/],
    [
      'bad label value',
      { ...good, labels: { version: 'v 2' } },
      'instance.labels["version"]',
      /not a valid label value/,
    ],
    ['bad instance id', { ...good, instance_id: '-x' }, 'instance.instance_id', /must be letters/],
  ];
  for (const [name, wire, field, reason] of bad) {
    it(`refuses a registration with ${name}, naming the field`, () => {
      assert.throws(
        () => parseInstance(wire),
        (error: unknown) =>
          error instanceof InvalidRegistrationError && error.field === field && reason.test(error.message),
      );
    });
  }

  it('refuses a registration with no instance at all', () => {
    assert.throws(() => parseInstance(undefined), /instance: is required/);
  });

  it('accepts IPv6 addresses and Kubernetes-style labels', () => {
    const instance = parseInstance({
      ...good,
      address: '::1',
      labels: { 'topology.kubernetes.io/zone': 'a', version: 'v2' },
    });
    assert.equal(instance.address, '::1');
    assert.equal(instance.labels.version, 'v2');
  });
});
