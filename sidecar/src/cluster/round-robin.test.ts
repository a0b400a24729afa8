import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterEndpoint } from './cluster.js';
import { RoundRobin } from './round-robin.js';

function endpoint(hostname: string, isHealthy = true): ClusterEndpoint {
  return { hostname, isHealthy, healthStatus: isHealthy ? 'HEALTHY' : 'UNHEALTHY', host: {} as never };
}

function picks(balancer: RoundRobin, count: number): string[] {
  return Array.from({ length: count }, () => balancer.pick()?.hostname ?? '-');
}

describe('round robin', () => {
  it('spreads requests evenly over the endpoints', () => {
    const balancer = new RoundRobin([endpoint('a'), endpoint('b'), endpoint('c')]);
    const counts = new Map<string, number>();
    for (const name of picks(balancer, 300)) counts.set(name, (counts.get(name) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { a: 100, b: 100, c: 100 });
  });

  it('never picks an unhealthy endpoint', () => {
    assert.deepEqual(picks(new RoundRobin([endpoint('a'), endpoint('b', false), endpoint('c')]), 4), ['a', 'c', 'a', 'c']);
  });

  it('picks nothing when no endpoint is healthy', () => {
    assert.equal(new RoundRobin([endpoint('a', false)]).pick(), undefined);
  });

  it('carries its position over an endpoint update instead of starting again at the first', () => {
    const first = new RoundRobin([endpoint('a'), endpoint('b'), endpoint('c')]);
    picks(first, 2);
    assert.deepEqual(picks(new RoundRobin([endpoint('a'), endpoint('b'), endpoint('c'), endpoint('d')], first), 2), ['c', 'd']);
  });
});
