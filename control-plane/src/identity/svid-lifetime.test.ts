import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSvidLifetime } from './svid-lifetime.js';

describe('--workload-cert-ttl', () => {
  const accepted: [string, number][] = [
    ['24h', 86_400_000],
    ['10m', 600_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
  ];
  for (const [text, ms] of accepted)
    it(`takes ${text}`, () => {
      assert.equal(parseSvidLifetime(text), ms);
    });

  const refused: [string, RegExp][] = [
    ['30s', /"30s" is shorter than 1m, the least that leaves sidecars time to renew/],
    ['59999ms', /"59999ms" is shorter than 1m/],
    ['10', /"10" is not a duration \(a number with ms, s, m or h/],
    ['-1h', /"-1h" is negative/],
    ['0m', /"0m" is zero/],
    ['1d', /"1d" is not a duration/],
  ];
  for (const [text, message] of refused)
    it(`refuses ${text}, saying why`, () => {
      assert.throws(() => parseSvidLifetime(text), message);
    });
});
