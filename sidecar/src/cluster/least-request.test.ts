import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeastRequest } from './least-request.js';
import { RandomBalancer } from './random.js';
import { endpoint, pickNames, seededRandom } from '../../test-support/test-endpoints.js';

describe('least request', () => {
  it('takes the less loaded of the two it draws', () => {
    const [busy, idle] = [endpoint('busy'), endpoint('idle')];
    busy.host.activeRequests = 10;
    const draws = [0.1, 0.9]; // busy first, then idle
    let next = 0;
    const balancer = new LeastRequest([busy, idle], 2, () => draws[next++ % 2] as number);
    assert.equal(balancer.pick(undefined, undefined), idle);
  });

  it('sends most requests to the least loaded endpoint of several', () => {
    const endpoints = [endpoint('a'), endpoint('b'), endpoint('c'), endpoint('d')];
    for (const [index, e] of endpoints.entries()) e.host.activeRequests = index === 2 ? 0 : 5;
    const counts = new Map<string, number>();
    for (const name of pickNames(new LeastRequest(endpoints, 2, seededRandom()), 1000))
      counts.set(name, (counts.get(name) ?? 0) + 1);
    // P2C: the least loaded wins whenever drawn, 1 - (3/4)^2 of the time.
    assert.ok((counts.get('c') ?? 0) > 400, `c got ${counts.get('c')}`);
  });

  it('never returns the endpoint a retry avoids when there is another', () => {
    const [a, b, c] = [endpoint('a'), endpoint('b'), endpoint('c')];
    const balancer = new LeastRequest([a, b, c], 2, seededRandom());
    for (let i = 0; i < 200; i++) assert.notEqual(balancer.pick(undefined, a.host), a);
    assert.equal(new LeastRequest([a], 2, seededRandom()).pick(undefined, a.host), a);
  });
});

describe('random', () => {
  it('spreads picks over every endpoint and avoids the retried one', () => {
    const [a, b, c] = [endpoint('a'), endpoint('b'), endpoint('c')];
    const balancer = new RandomBalancer([a, b, c], seededRandom());
    assert.equal(new Set(pickNames(balancer, 100)).size, 3);
    for (let i = 0; i < 200; i++) assert.notEqual(balancer.pick(undefined, b.host), b);
    assert.equal(new RandomBalancer([], seededRandom()).pick(undefined, undefined), undefined);
  });
});
