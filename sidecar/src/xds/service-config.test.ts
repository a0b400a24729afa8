import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL, decodeResource, encodeResource, objectToStruct } from '../../../proto/xds.js';
import type { ServiceConfig__Output } from '../../../proto/gen/pilotfish/v1/ServiceConfig.js';
import { XdsConfigError } from './resource-set.js';
import { compileServiceConfig, resolveParameters } from './service-config.js';

const NAME = 'ratings.default.svc.cluster.local';

/** A resource as the sidecar receives it: encoded by the control plane, decoded here. */
function received(
  parameters: Record<string, unknown>,
  subsets: Array<{ labels: Record<string, string>; parameters: Record<string, unknown> }> = [],
): ServiceConfig__Output {
  const resource = {
    name: NAME,
    parameters: objectToStruct(parameters),
    subsets: subsets.map((subset) => ({ labels: subset.labels, parameters: objectToStruct(subset.parameters) })),
  };
  return decodeResource(encodeResource(TYPE_URL.serviceConfig, resource));
}

describe('ServiceConfig in the sidecar', () => {
  const config = compileServiceConfig(
    received({ requireMfa: true, quota: { perUser: 10 }, regions: ['eu'], banner: null }, [
      { labels: { version: 'v2' }, parameters: { quota: { perUser: 50 }, canary: true } },
      { labels: { version: 'v2', 'topology.kubernetes.io/zone': 'b' }, parameters: { requireMfa: false } },
      { labels: { zone: 'b' }, parameters: { quota: { burst: 3 } } },
    ]),
  );

  const table: Array<[string, Record<string, string>, Record<string, unknown>]> = [
    [
      'an instance no subset selects gets the base parameters, every JSON type intact',
      { version: 'v1' },
      { requireMfa: true, quota: { perUser: 10 }, regions: ['eu'], banner: null },
    ],
    [
      'a matching subset replaces the top-level parameters it names, whole',
      { version: 'v2' },
      { requireMfa: true, quota: { perUser: 50 }, regions: ['eu'], banner: null, canary: true },
    ],
    [
      'every matching subset applies, in order',
      { version: 'v2', 'topology.kubernetes.io/zone': 'b', zone: 'b' },
      { requireMfa: false, quota: { burst: 3 }, regions: ['eu'], banner: null, canary: true },
    ],
    [
      'a subset needs all of its labels to match',
      { 'topology.kubernetes.io/zone': 'b' },
      { requireMfa: true, quota: { perUser: 10 }, regions: ['eu'], banner: null },
    ],
  ];
  for (const [name, labels, expected] of table)
    it(name, () => assert.deepEqual(resolveParameters(config, labels), expected));

  it('reads a resource without parameters as empty parameters', () => {
    assert.deepEqual(resolveParameters(compileServiceConfig({ name: NAME }), {}), {});
  });

  it('rejects a subset without labels, which would select every instance', () => {
    assert.throws(
      () => compileServiceConfig(received({}, [{ labels: {}, parameters: { a: 1 } }])),
      (error: unknown) => error instanceof XdsConfigError && /subsets\[0\]\.labels: is empty/.test(error.message),
    );
  });
});
