import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpoint, pickNames } from '../../test-support/test-endpoints.js';
import { RoundRobin, roundRobin } from './round-robin.js';
import { DEFAULT_LOAD_BALANCER_OPTIONS } from './load-balancer.js';

describe('round robin', () => {
  it('spreads requests evenly over the endpoints', () => {
    const counts = new Map<string, number>();
    for (const name of pickNames(new RoundRobin([endpoint('a'), endpoint('b'), endpoint('c')]), 300))
      counts.set(name, (counts.get(name) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { a: 100, b: 100, c: 100 });
  });

  it('picks nothing when it has no endpoints', () => {
    assert.equal(new RoundRobin([]).pick(undefined, undefined), undefined);
  });

  it('skips the endpoint a retry avoids, unless it is the only one', () => {
    const [a, b, c] = [endpoint('a'), endpoint('b'), endpoint('c')];
    const balancer = new RoundRobin([a, b, c]);
    assert.equal(balancer.pick(undefined, a.host), b);
    assert.equal(balancer.pick(undefined, c.host), a);
    assert.equal(new RoundRobin([a]).pick(undefined, a.host), a);
  });

  it('carries its position over an endpoint update instead of starting again at the first', () => {
    const first = new RoundRobin([endpoint('a'), endpoint('b'), endpoint('c')]);
    pickNames(first, 2);
    const next = roundRobin(DEFAULT_LOAD_BALANCER_OPTIONS)(
      [endpoint('a'), endpoint('b'), endpoint('c'), endpoint('d')],
      first,
    );
    assert.deepEqual(pickNames(next, 3), ['c', 'd', 'a']);
  });
});
