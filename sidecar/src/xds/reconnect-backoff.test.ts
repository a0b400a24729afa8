import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReconnectBackoff } from './reconnect-backoff.js';

describe('ReconnectBackoff', () => {
  it('doubles from the first delay and stops growing at the cap', () => {
    const backoff = new ReconnectBackoff({ initialMs: 250, maxMs: 2000, random: () => 0 });
    assert.deepEqual(
      Array.from({ length: 7 }, () => backoff.next()),
      [250, 500, 1000, 2000, 2000, 2000, 2000],
    );
  });

  it('adds at most the jitter fraction, drawn from the random source', () => {
    const draws = [0, 0.5, 0.999];
    const backoff = new ReconnectBackoff({
      initialMs: 2000,
      maxMs: 2000,
      jitter: 0.5,
      random: () => draws.shift() ?? 0,
    });
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [2000, 2500, 2999]);
  });

  it('starts again from the first delay after a reset', () => {
    const backoff = new ReconnectBackoff({ initialMs: 100, maxMs: 5000, random: () => 0 });
    backoff.next();
    backoff.next();
    backoff.reset();
    assert.equal(backoff.next(), 100);
  });

  it('never exceeds a few seconds with the defaults, however long the outage', () => {
    const backoff = new ReconnectBackoff({ random: () => 0.999999 });
    const delays = Array.from({ length: 100 }, () => backoff.next());
    assert.ok(Math.max(...delays) <= 3000, `longest ${Math.max(...delays)} ms`);
  });
});
