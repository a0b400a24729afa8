import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from './circuit-breaker.js';
import { Cluster, DEFAULT_POLICY, type ClusterPolicy } from './cluster.js';
import { healthFlags } from './cluster-endpoint.js';
import { DEFAULT_OUTLIER_DETECTION } from './outlier-detector.js';
import { endpoint, pickNames } from '../../test-support/test-endpoints.js';

const EJECT_AFTER_ONE: ClusterPolicy = {
  ...DEFAULT_POLICY,
  outlierDetection: { ...DEFAULT_OUTLIER_DETECTION, consecutive5xx: 1, maxEjectionPercent: 100 },
};
const clock = { now: () => 0, random: () => 0.5 };

describe('cluster', () => {
  const health: Array<[status: string, isPicked: boolean]> = [
    ['HEALTHY', true],
    ['UNKNOWN', true],
    ['UNHEALTHY', false],
    ['DRAINING', false],
    ['TIMEOUT', false],
    ['DEGRADED', false],
  ];
  for (const [status, isPicked] of health) {
    it(`${isPicked ? 'picks' : 'never picks'} an endpoint whose EDS health is ${status}`, () => {
      const cluster = new Cluster('c', [endpoint('a'), endpoint('b', status), endpoint('c')]);
      assert.deepEqual(
        pickNames(cluster, 6),
        isPicked ? ['a', 'b', 'c', 'a', 'b', 'c'] : ['a', 'c', 'a', 'c', 'a', 'c'],
      );
    });
  }

  it('picks nothing when no endpoint is available, or there are none', () => {
    assert.equal(new Cluster('c', [endpoint('a', 'UNHEALTHY')]).pick(), undefined);
    assert.equal(new Cluster('c', []).pick(), undefined);
  });

  it('stops picking an ejected endpoint at once and shows why in its health flags', (t) => {
    const [a, b] = [endpoint('a'), endpoint('b')];
    const cluster = new Cluster('c', [a, b], EJECT_AFTER_ONE, undefined, undefined, clock);
    t.after(() => cluster.close());
    cluster.recordOutcome(a, { kind: 'response', status: 500 });
    assert.deepEqual(pickNames(cluster, 3), ['b', 'b', 'b']);
    assert.equal(healthFlags(a), '/failed_outlier_check');
    assert.equal(healthFlags(b), 'healthy');
    assert.equal(cluster.stats.ejections, 1);
    assert.equal(cluster.stats.ejectionsActive, 1);
  });

  it('keeps an ejection across a config version, and hears outcomes recorded on the old version', (t) => {
    const first = new Cluster(
      'c',
      [endpoint('a'), endpoint('b'), endpoint('c')],
      EJECT_AFTER_ONE,
      undefined,
      undefined,
      clock,
    );
    first.recordOutcome(first.endpoints[0]!, { kind: 'response', status: 500 });
    const second = new Cluster(
      'c',
      [endpoint('a'), endpoint('b'), endpoint('c')],
      EJECT_AFTER_ONE,
      undefined,
      first,
      clock,
    );
    first.close();
    t.after(() => second.close());
    assert.deepEqual(new Set(pickNames(second, 4)), new Set(['b', 'c']));
    first.recordOutcome(first.endpoints[1]!, { kind: 'reset' });
    assert.deepEqual(pickNames(second, 2), ['c', 'c'], 'b ejected through the old version');
  });

  it('avoids the endpoint of the last attempt when retrying', () => {
    const cluster = new Cluster('c', [endpoint('a'), endpoint('b')]);
    const first = cluster.pick();
    assert.notEqual(cluster.pick(undefined, first), first);
    assert.notEqual(cluster.pick(undefined, cluster.endpoints[1]), cluster.endpoints[1]);
  });

  it('prefers available endpoints in its own zone with zone_aware_lb_config, and falls back to all', (t) => {
    const zoneAware: ClusterPolicy = { ...EJECT_AFTER_ONE, isZoneAware: true };
    const endpoints = [
      endpoint('a1', 'HEALTHY', 'zone-a'),
      endpoint('b1', 'HEALTHY', 'zone-b'),
      endpoint('b2', 'HEALTHY', 'zone-b'),
    ];
    const cluster = new Cluster('c', endpoints, zoneAware, { localZone: 'zone-a' }, undefined, clock);
    t.after(() => cluster.close());
    assert.deepEqual(pickNames(cluster, 3), ['a1', 'a1', 'a1']);
    cluster.recordOutcome(endpoints[0]!, { kind: 'response', status: 500 });
    assert.deepEqual(new Set(pickNames(cluster, 4)), new Set(['b1', 'b2']), 'none left in zone-a');
    const unaware = new Cluster(
      'c',
      [endpoint('a1', 'HEALTHY', 'zone-a'), endpoint('b1', 'HEALTHY', 'zone-b')],
      DEFAULT_POLICY,
      { localZone: 'zone-a' },
    );
    assert.deepEqual(new Set(pickNames(unaware, 4)), new Set(['a1', 'b1']), 'without zone_aware_lb_config');
  });

  it('keeps circuit breaker counts across versions and applies the new limits', () => {
    const first = new Cluster('c', [endpoint('a')], {
      ...DEFAULT_POLICY,
      limits: { ...DEFAULT_LIMITS, maxRequests: 2 },
    });
    assert.equal(first.admitRequest(), true);
    const second = new Cluster(
      'c',
      [endpoint('a')],
      { ...DEFAULT_POLICY, limits: { ...DEFAULT_LIMITS, maxRequests: 2 } },
      undefined,
      first,
    );
    assert.equal(second.admitRequest(), true);
    assert.equal(second.admitRequest(), false, 'the request admitted by the old version still counts');
    first.releaseRequest();
    assert.equal(second.admitRequest(), true);
    assert.equal(second.stats.overflows, 1);
  });
});
