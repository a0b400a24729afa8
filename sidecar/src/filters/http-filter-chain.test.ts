import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { FaultFilter } from './fault-filter.js';
import type { Fault } from './fault.js';
import type { RouteFilterConfig } from './http-filter.js';
import { HttpFilterChain } from './http-filter-chain.js';
import { LocalRateLimitFilter } from './local-rate-limit-filter.js';
import type { LocalRateLimiter } from './local-rate-limit.js';
import { onePerMinute } from '../../test-support/request-path.js';

interface Answer {
  status?: number;
  body?: string;
  headers?: Record<string, unknown>;
}

/** A request and its response as the chain sees them: the answer a filter gives is kept. */
function exchange(): { req: IncomingMessage; res: ServerResponse & { destroyed: boolean }; answer: Answer } {
  const answer: Answer = {};
  const req = { headers: {}, httpVersionMajor: 1 } as unknown as IncomingMessage;
  const res = {
    req,
    headersSent: false,
    destroyed: false,
    writeHead: (status: number, headers: Record<string, unknown>) => Object.assign(answer, { status, headers }),
    end: (body: string) => Object.assign(answer, { body }),
  } as unknown as ServerResponse & { destroyed: boolean };
  return { req, res, answer };
}

function route(fault?: Fault, rateLimit?: LocalRateLimiter): RouteFilterConfig {
  return { routeName: 'r', fault, rateLimit };
}

const ALWAYS = 1_000_000;

describe('HTTP filter chain', () => {
  it('lets a request through every filter to the router when none objects', () => {
    const chain = new HttpFilterChain([new LocalRateLimitFilter(undefined), new FaultFilter()]);
    const { req, res, answer } = exchange();
    const routed: string[] = [];
    chain.decode(req, res, route(), (name) => routed.push(name), 'r');
    assert.deepEqual(routed, ['r']);
    assert.deepEqual(answer, {});
  });

  it('answers 429 to a rate-limited request, which never reaches the router', () => {
    const chain = new HttpFilterChain([new LocalRateLimitFilter(undefined)]);
    let routed = 0;
    const limited = route(undefined, onePerMinute());
    chain.decode(exchange().req, exchange().res, limited, () => routed++, undefined);
    const second = exchange();
    chain.decode(second.req, second.res, limited, () => routed++, undefined);
    assert.equal(routed, 1);
    assert.equal(second.answer.status, 429);
    assert.equal(second.answer.body, 'local rate limit exceeded (route "r")\n');
  });

  it("uses the listener's limit for routes without their own", () => {
    const listenerLimit = onePerMinute();
    const chain = new HttpFilterChain([new LocalRateLimitFilter(listenerLimit)]);
    let routed = 0;
    for (let i = 0; i < 3; i++) chain.decode(exchange().req, exchange().res, route(), () => routed++, undefined);
    assert.equal(routed, 1);
  });

  it('answers a fault abort itself, in configured order: a rate limit first refuses before the fault', () => {
    const abort: Fault = { delayMs: 0, delayPerMillion: 0, abortStatus: 503, abortPerMillion: ALWAYS };
    const limiter = onePerMinute();
    const chain = new HttpFilterChain([new LocalRateLimitFilter(undefined), new FaultFilter()]);
    const answers = [exchange(), exchange()];
    for (const { req, res } of answers) chain.decode(req, res, route(abort, limiter), assert.fail, undefined);
    assert.deepEqual(
      answers.map(({ answer }) => answer.status),
      [503, 429],
    );
    assert.equal(answers[0]?.answer.body, 'fault filter abort (route "r")\n');
  });

  it('holds a delayed request for the fault delay, then lets it go on (or answers its abort)', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const chain = new HttpFilterChain([new FaultFilter()]);
    const delay: Fault = { delayMs: 1000, delayPerMillion: ALWAYS, abortStatus: 0, abortPerMillion: 0 };
    let routed = 0;
    const { req, res } = exchange();
    chain.decode(req, res, route(delay), () => routed++, undefined);
    t.mock.timers.tick(999);
    assert.equal(routed, 0);
    t.mock.timers.tick(1);
    assert.equal(routed, 1);

    const delayedAbort = { ...delay, abortStatus: 500, abortPerMillion: ALWAYS };
    const aborted = exchange();
    chain.decode(aborted.req, aborted.res, route(delayedAbort), assert.fail, undefined);
    assert.equal(aborted.answer.status, undefined);
    t.mock.timers.tick(1000);
    assert.equal(aborted.answer.status, 500);
  });

  it('drops a delayed request whose caller left during the delay', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const chain = new HttpFilterChain([new FaultFilter()]);
    const delay: Fault = { delayMs: 10, delayPerMillion: ALWAYS, abortStatus: 0, abortPerMillion: 0 };
    const { req, res, answer } = exchange();
    chain.decode(req, res, route(delay), assert.fail, undefined);
    res.destroyed = true;
    t.mock.timers.tick(10);
    assert.deepEqual(answer, {});
  });
});
