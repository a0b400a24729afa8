import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';
import { EndpointHealth } from './endpoint-health.js';
import { DEFAULT_OUTLIER_DETECTION, OutlierDetector, type OutlierDetectionConfig } from './outlier-detector.js';
import { endpoint } from '../../test-support/test-endpoints.js';

const S500: AttemptOutcome = { kind: 'response', status: 500 };
const S503: AttemptOutcome = { kind: 'response', status: 503 };
const S200: AttemptOutcome = { kind: 'response', status: 200 };
const RESET: AttemptOutcome = { kind: 'reset' };

function setup(config: Partial<OutlierDetectionConfig>, count = 2) {
  let now = 0;
  let changes = 0;
  const endpoints: ClusterEndpoint[] = Array.from({ length: count }, (_, index) => {
    const e = endpoint(String(index + 1));
    e.health = new EndpointHealth(e.host.key);
    return e;
  });
  const detector = new OutlierDetector(
    { ...DEFAULT_OUTLIER_DETECTION, maxEjectionPercent: 100, ...config },
    () => now,
    () => 0.5,
  );
  detector.attach(endpoints, () => changes++);
  const health = (index: number) => endpoints[index]?.health as EndpointHealth;
  const record = (index: number, outcome: AttemptOutcome, times = 1) => {
    for (let i = 0; i < times; i++) detector.record(health(index), outcome);
  };
  return { detector, health, record, advance: (ms: number) => (now += ms), changes: () => changes };
}

describe('outlier detection', () => {
  it('ejects after consecutive_5xx 5xx responses in a row and returns the endpoint after base_ejection_time', (t) => {
    const { detector, health, record, advance, changes } = setup({ consecutive5xx: 3, baseEjectionTimeMs: 1000 });
    t.after(() => detector.close());
    record(0, S500, 2);
    assert.equal(health(0).isEjected, false);
    record(0, S500);
    assert.equal(health(0).isEjected, true);
    assert.equal(changes(), 1);
    advance(999);
    detector.sweep();
    assert.equal(health(0).isEjected, true, 'not before its time');
    advance(1);
    detector.sweep();
    assert.equal(health(0).isEjected, false);
    assert.equal(changes(), 2);
    assert.equal(detector.stats.ejections, 1);
  });

  it('starts counting again after a success', (t) => {
    const { detector, health, record } = setup({ consecutive5xx: 3 });
    t.after(() => detector.close());
    record(0, S500, 2);
    record(0, S200);
    record(0, S500, 2);
    assert.equal(health(0).isEjected, false);
  });

  it('counts connect failures, resets and timeouts as 5xx', (t) => {
    const { detector, health } = setup({ consecutive5xx: 3 });
    t.after(() => detector.close());
    for (const kind of ['connect-failure', 'reset', 'timeout'] as const) detector.record(health(0), { kind });
    assert.equal(health(0).isEjected, true);
  });

  it('does not enforce gateway-failure ejections by default (enforcing_consecutive_gateway_failure 0)', (t) => {
    const { detector, health, record } = setup({ consecutive5xx: 100, consecutiveGatewayFailure: 2 });
    t.after(() => detector.close());
    record(0, S503, 5);
    assert.equal(health(0).isEjected, false);
    const enforced = setup({
      consecutive5xx: 100,
      consecutiveGatewayFailure: 2,
      enforcingConsecutiveGatewayFailure: 100,
    });
    t.after(() => enforced.detector.close());
    enforced.record(0, RESET, 2);
    assert.equal(enforced.health(0).isEjected, true);
  });

  it('never ejects with enforcing_consecutive_5xx 0', (t) => {
    const { detector, health, record } = setup({ consecutive5xx: 1, enforcingConsecutive5xx: 0 });
    t.after(() => detector.close());
    record(0, S500, 3);
    assert.equal(health(0).isEjected, false);
  });

  it('respects max_ejection_percent, counting the endpoint to eject', (t) => {
    const half = setup({ consecutive5xx: 1, maxEjectionPercent: 50 }, 4);
    t.after(() => half.detector.close());
    for (let i = 0; i < 4; i++) half.record(i, S500);
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => half.health(i).isEjected),
      [true, true, false, false],
    );
    assert.equal(half.detector.stats.ejectionOverflows, 2);

    const ten = setup({ consecutive5xx: 1, maxEjectionPercent: 10 }, 3);
    t.after(() => ten.detector.close());
    ten.record(0, S500);
    assert.equal(ten.health(0).isEjected, false, '1 of 3 is above 10%');

    const one = setup({ consecutive5xx: 1, maxEjectionPercent: 10, alwaysEjectOneHost: true }, 3);
    t.after(() => one.detector.close());
    one.record(0, S500);
    one.record(1, S500);
    assert.deepEqual(
      [one.health(0).isEjected, one.health(1).isEjected],
      [true, false],
      'always_eject_one_host: one, not two',
    );
  });

  it('ejects for longer each time, up to max_ejection_time', (t) => {
    const { detector, health, record, advance } = setup({
      consecutive5xx: 1,
      baseEjectionTimeMs: 1000,
      maxEjectionTimeMs: 2500,
    });
    t.after(() => detector.close());
    const durations: number[] = [];
    for (let i = 0; i < 4; i++) {
      record(0, S500);
      durations.push(health(0).ejectionMs);
      advance(health(0).ejectionMs);
      detector.sweep();
    }
    assert.deepEqual(durations, [1000, 2000, 2500, 2500]);
  });

  it('returns an ejected endpoint on a passing health check unless told not to', (t) => {
    const { detector, health, record } = setup({ consecutive5xx: 1 });
    t.after(() => detector.close());
    record(0, S500);
    assert.equal(detector.onHealthCheckSuccess(health(0)), true);
    assert.equal(health(0).isEjected, false);
    const kept = setup({ consecutive5xx: 1, healthCheckUnejects: false });
    t.after(() => kept.detector.close());
    kept.record(0, S500);
    assert.equal(kept.detector.onHealthCheckSuccess(kept.health(0)), false);
  });
});
