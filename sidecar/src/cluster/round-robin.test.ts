import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UpstreamHost } from '../upstream/upstream-host.js';
import { isUsableHealth, type ClusterEndpoint } from './cluster-endpoint.js';
import { createRoundRobin, RoundRobin } from './round-robin.js';

function endpoint(hostname: string, healthStatus = 'HEALTHY'): ClusterEndpoint {
  return { hostname, healthStatus, isHealthy: isUsableHealth(healthStatus), host: {} as UpstreamHost };
}

function picks(balancer: RoundRobin, count: number): string[] {
  return Array.from({ length: count }, () => balancer.pick()?.hostname ?? '-');
}

describe('round robin', () => {
  it('spreads requests evenly over the endpoints', () => {
    const counts = new Map<string, number>();
    for (const name of picks(new RoundRobin([endpoint('a'), endpoint('b'), endpoint('c')]), 300)) counts.set(name, (counts.get(name) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { a: 100, b: 100, c: 100 });
  });

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
      const balancer = new RoundRobin([endpoint('a'), endpoint('b', status), endpoint('c')]);
      assert.deepEqual(picks(balancer, 6), isPicked ? ['a', 'b', 'c', 'a', 'b', 'c'] : ['a', 'c', 'a', 'c', 'a', 'c']);
    });
  }

  it('picks nothing when no endpoint is healthy, or there are none', () => {
    assert.equal(new RoundRobin([endpoint('a', 'UNHEALTHY')]).pick(), undefined);
    assert.equal(new RoundRobin([]).pick(), undefined);
  });

  it('carries its position over an endpoint update instead of starting again at the first', () => {
    const first = new RoundRobin([endpoint('a'), endpoint('b'), endpoint('c')]);
    picks(first, 2);
    const next = createRoundRobin([endpoint('a'), endpoint('b'), endpoint('c'), endpoint('d')], first) as RoundRobin;
    assert.deepEqual(picks(next, 3), ['c', 'd', 'a']);
  });
});
