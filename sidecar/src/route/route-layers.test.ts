import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dispatcher } from 'undici';
import type { Cluster } from '../cluster/cluster.js';
import type { ExchangeHandler } from '../cluster/cluster-request.js';
import { RetryOn, type RetryPolicy } from '../http/retry-policy.js';
import { UpstreamFailure } from '../http/upstream-failure.js';
import { forwardedRequest } from '../../test-support/request-path.js';
import { compose, type ForwardedRequest, type RouteDispatch } from './forwarded-request.js';
import { perTryTimeout } from './per-try-timeout.js';
import { retries } from './retries.js';
import { routeTimeout } from './route-timeout.js';

/** An attempt of the fake cluster layer: aborting it fails it at once, as the real one does. */
class FakeAttempt implements Dispatcher.DispatchController {
  aborted = false;
  paused = false;
  reason: Error | null = null;
  constructor(readonly handler: ExchangeHandler) {}
  abort(reason: Error): void {
    this.aborted = true;
    this.reason = reason;
    this.handler.onResponseError(this, reason);
  }
  pause(): void {}
  resume(): void {}
  respond(status: number): void {
    this.handler.onResponseStart(this, status, {}, '');
    this.handler.onResponseEnd(this, {});
  }
}

/** The layer below replaced: it records each attempt and answers nothing by itself. */
function fakeClusterLayer(): { dispatch: RouteDispatch; attempts: FakeAttempt[] } {
  const attempts: FakeAttempt[] = [];
  const dispatch: RouteDispatch = (request, handler) => {
    request.attempts++;
    const attempt = new FakeAttempt(handler);
    attempts.push(attempt);
    handler.onRequestStart(attempt, undefined);
  };
  return { dispatch, attempts };
}

/** What the caller would be told. */
class Outcome implements ExchangeHandler {
  status: number | undefined;
  error: Error | undefined;
  onRequestStart(): void {}
  onResponseStart(_controller: Dispatcher.DispatchController, status: number): void {
    this.status = status;
  }
  onResponseData(): void {}
  onResponseEnd(): void {}
  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.error = error;
  }
}

const BUDGET = { name: 'c', admitRetry: () => true, releaseRetry: () => undefined } as unknown as Cluster;

function forwarded(overrides: Partial<ForwardedRequest> = {}): ForwardedRequest {
  return forwardedRequest(BUDGET, { mayRetry: true, ...overrides });
}

const POLICY: RetryPolicy = {
  retryOn: RetryOn.reset | RetryOn.serverError,
  numRetries: 10,
  retriableStatusCodes: new Set(),
  perTryTimeoutMs: 30,
  baseIntervalMs: 1,
  maxIntervalMs: 1,
  retriableRequestHeaders: [],
};

describe('route layers', () => {
  it('retries a 503 and relays the next answer, each attempt sent anew', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const below = fakeClusterLayer();
    const outcome = new Outcome();
    compose(below.dispatch, [retries(POLICY)])(forwarded(), outcome);
    below.attempts[0]?.respond(503);
    assert.equal(outcome.status, undefined, 'the 503 is not relayed');
    t.mock.timers.tick(1);
    below.attempts[1]?.respond(200);
    assert.equal(below.attempts.length, 2);
    assert.equal(outcome.status, 200);
  });

  it('does not retry a request the policy excludes (retriable_request_headers)', () => {
    const below = fakeClusterLayer();
    const outcome = new Outcome();
    compose(below.dispatch, [retries(POLICY)])(forwarded({ mayRetry: false }), outcome);
    below.attempts[0]?.respond(503);
    assert.equal(outcome.status, 503);
    assert.equal(below.attempts.length, 1);
  });

  it('fires the per-try timeout inside the route timeout: attempts are retried until the route timeout ends them all', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const below = fakeClusterLayer();
    const outcome = new Outcome();
    const stack = compose(below.dispatch, [routeTimeout, retries(POLICY), perTryTimeout(POLICY.perTryTimeoutMs)]);
    stack(forwarded({ timeoutMs: 100 }), outcome);
    t.mock.timers.tick(30);
    assert.equal((below.attempts[0]?.reason as UpstreamFailure | undefined)?.failure, 'timeout');
    for (let elapsed = 30; elapsed < 99; elapsed++) t.mock.timers.tick(1);
    assert.ok(below.attempts.length >= 3, `${below.attempts.length} attempts within the route timeout`);
    assert.equal(outcome.error, undefined, 'no answer before the route timeout');
    t.mock.timers.tick(1);
    const error = outcome.error as Error | undefined;
    assert.ok(error instanceof UpstreamFailure);
    assert.equal(error.status, 504);
    assert.match(error.message, /route timeout of 100 ms/);
    const attempts = below.attempts.length;
    t.mock.timers.tick(1000);
    assert.equal(below.attempts.length, attempts, 'nothing is retried after the route timeout');
  });

  it('answers the route timeout while waiting to retry, and sends no retry after it', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const below = fakeClusterLayer();
    const outcome = new Outcome();
    // The backoff is jittered over [0, 1000): its draw here lands at 990 ms.
    t.mock.method(Math, 'random', () => 0.99);
    const slowBackoff = { ...POLICY, baseIntervalMs: 1000, maxIntervalMs: 1000 };
    compose(below.dispatch, [routeTimeout, retries(slowBackoff)])(forwarded({ timeoutMs: 50 }), outcome);
    below.attempts[0]?.respond(503);
    t.mock.timers.tick(50);
    assert.equal((outcome.error as UpstreamFailure | undefined)?.status, 504);
    t.mock.timers.tick(1000);
    assert.equal(below.attempts.length, 1);
  });
});
