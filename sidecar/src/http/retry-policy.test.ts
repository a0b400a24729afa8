import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backoffMs,
  isRetriableFailure,
  isRetriableRequest,
  isRetriableStatus,
  RETRY_ON_NAMES,
  type AttemptFailure,
  type RetryPolicy,
} from './retry-policy.js';

function policy(retryOn: string, overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  let bits = 0;
  for (const name of retryOn.split(',')) bits |= RETRY_ON_NAMES.get(name) ?? 0;
  return {
    retryOn: bits,
    numRetries: 2,
    retriableStatusCodes: new Set(),
    perTryTimeoutMs: 0,
    baseIntervalMs: 25,
    maxIntervalMs: 250,
    retriableRequestHeaders: [],
    ...overrides,
  };
}

describe('retry policy', () => {
  const statuses: Array<[retryOn: string, status: number, retried: boolean]> = [
    ['5xx', 500, true],
    ['5xx', 503, true],
    ['5xx', 404, false],
    ['gateway-error', 500, false],
    ['gateway-error', 502, true],
    ['gateway-error', 504, true],
    ['retriable-4xx', 409, true],
    ['retriable-4xx', 429, false],
    ['reset', 503, false],
    ['connect-failure', 503, false],
  ];
  for (const [retryOn, status, retried] of statuses) {
    it(`${retried ? 'retries' : 'does not retry'} a ${status} on ${retryOn}`, () =>
      assert.equal(isRetriableStatus(policy(retryOn), status), retried));
  }

  it('retries the statuses listed in retriable_status_codes only with retriable-status-codes', () => {
    assert.equal(
      isRetriableStatus(policy('retriable-status-codes', { retriableStatusCodes: new Set([429]) }), 429),
      true,
    );
    assert.equal(isRetriableStatus(policy('5xx', { retriableStatusCodes: new Set([429]) }), 429), false);
  });

  const failures: Array<[retryOn: string, failure: AttemptFailure, retried: boolean]> = [
    ['connect-failure', 'connect-failure', true],
    ['connect-failure', 'reset', false],
    ['reset', 'reset', true],
    ['reset', 'timeout', true],
    ['reset', 'connect-failure', true],
    ['5xx', 'reset', true],
    ['gateway-error', 'timeout', true],
    ['retriable-4xx', 'reset', false],
    ['refused-stream', 'refused-stream', true],
    ['refused-stream', 'reset', false],
    ['connect-failure', 'refused-stream', false],
    ['reset', 'refused-stream', true],
  ];
  for (const [retryOn, failure, retried] of failures) {
    it(`${retried ? 'retries' : 'does not retry'} a ${failure} on ${retryOn}`, () =>
      assert.equal(isRetriableFailure(policy(retryOn), failure), retried));
  }

  it('retries only requests whose headers match retriable_request_headers', () => {
    const idempotent = policy('5xx', {
      retriableRequestHeaders: [{ name: ':method', match: { kind: 'regex', value: /^(?:GET|HEAD)$/ }, invert: false }],
    });
    assert.equal(isRetriableRequest(idempotent, {}, 'GET'), true);
    assert.equal(isRetriableRequest(idempotent, {}, 'POST'), false);
    assert.equal(isRetriableRequest(policy('5xx'), {}, 'POST'), true);
  });

  it('backs off with full jitter under an exponential ceiling capped at max_interval', () => {
    const retry = policy('5xx');
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffMs(retry, n, () => 0.999)),
      [24, 49, 99, 199, 249],
    );
    assert.equal(
      backoffMs(retry, 3, () => 0),
      0,
    );
  });
});
