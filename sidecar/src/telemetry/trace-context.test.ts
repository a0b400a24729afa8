import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { upstreamRequestHeaders } from '../upstream/proxy-headers.js';
import { extractParent } from './trace-context.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const OWN_SPAN = '00f067aa0ba902b7';

function parentOf(headers: Record<string, string>): SpanContext | undefined {
  return trace.getSpanContext(extractParent(headers));
}

describe('trace context extraction', () => {
  const cases: Array<[name: string, headers: Record<string, string>, expected: Partial<SpanContext> | undefined]> = [
    [
      'W3C traceparent',
      { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
      { traceId: TRACE_ID, spanId: CALLER_SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true },
    ],
    [
      'W3C unsampled',
      { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-00` },
      { traceId: TRACE_ID, spanId: CALLER_SPAN, traceFlags: TraceFlags.NONE, isRemote: true },
    ],
    [
      'B3 single header',
      { b3: `${TRACE_ID}-${CALLER_SPAN}-1` },
      { traceId: TRACE_ID, spanId: CALLER_SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true },
    ],
    [
      'B3 multi headers',
      { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': CALLER_SPAN, 'x-b3-sampled': '1' },
      { traceId: TRACE_ID, spanId: CALLER_SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true },
    ],
    [
      'B3 when traceparent is malformed',
      { traceparent: 'garbage', b3: `${TRACE_ID}-${CALLER_SPAN}-0` },
      { traceId: TRACE_ID, spanId: CALLER_SPAN, traceFlags: TraceFlags.NONE, isRemote: true },
    ],
    [
      'W3C over B3 when both are sent',
      { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`, b3: `${'1'.repeat(32)}-${'2'.repeat(16)}-1` },
      { traceId: TRACE_ID, spanId: CALLER_SPAN },
    ],
    ['no parent without trace headers', {}, undefined],
    ['no parent from a malformed traceparent alone', { traceparent: `00-${TRACE_ID}-0000000000000000-01` }, undefined],
  ];
  for (const [name, headers, expected] of cases) {
    it(name, () => {
      const parent = parentOf(headers);
      if (expected === undefined) assert.equal(parent, undefined);
      else assert.deepEqual({ ...parent, traceState: undefined }, { ...parent, ...expected, traceState: undefined });
    });
  }

  it("keeps the caller's tracestate", () => {
    const parent = parentOf({ traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`, tracestate: 'vendor=abc,other=1' });
    assert.equal(parent?.traceState?.serialize(), 'vendor=abc,other=1');
  });
});

describe('trace headers to the next hop', () => {
  function forwarded(raw: string[], flags = TraceFlags.SAMPLED, traceState?: TraceState): Record<string, string> {
    const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: OWN_SPAN, traceFlags: flags, traceState });
    const flat = upstreamRequestHeaders(['x-request-id', 'r', ...raw], 'backend', undefined, undefined, span);
    const headers: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) {
      const name = (flat[i] as string).toLowerCase();
      assert.equal(headers[name], undefined, `${name} appears once`);
      headers[name] = flat[i + 1] as string;
    }
    return headers;
  }

  it("replaces the caller's traceparent with one naming this span, tracestate carried", () => {
    const headers = forwarded(
      ['Traceparent', `00-${TRACE_ID}-${CALLER_SPAN}-01`, 'tracestate', 'vendor=abc'],
      TraceFlags.SAMPLED,
      new TraceState('vendor=abc'),
    );
    assert.equal(headers.traceparent, `00-${TRACE_ID}-${OWN_SPAN}-01`);
    assert.equal(headers.tracestate, 'vendor=abc');
    assert.equal(headers.b3, undefined, 'no B3 added when the caller sent none');
  });

  it('adds a traceparent to a request that had none, unsampled flag kept', () => {
    assert.equal(forwarded([], TraceFlags.NONE).traceparent, `00-${TRACE_ID}-${OWN_SPAN}-00`);
  });

  it('rewrites a B3 single header for this span', () => {
    const headers = forwarded(['B3', `${TRACE_ID}-${CALLER_SPAN}-1`]);
    assert.equal(headers.b3, `${TRACE_ID}-${OWN_SPAN}-1`);
    assert.equal(headers.traceparent, `00-${TRACE_ID}-${OWN_SPAN}-01`);
  });

  it("rewrites B3 multi headers for this span, the caller's parent id dropped", () => {
    const headers = forwarded([
      'X-B3-TraceId',
      TRACE_ID,
      'X-B3-SpanId',
      CALLER_SPAN,
      'X-B3-ParentSpanId',
      '1111111111111111',
      'X-B3-Sampled',
      '1',
    ]);
    assert.equal(headers['x-b3-traceid'], TRACE_ID);
    assert.equal(headers['x-b3-spanid'], OWN_SPAN);
    assert.equal(headers['x-b3-sampled'], '1');
    assert.equal(headers['x-b3-parentspanid'], undefined);
    assert.equal(headers.traceparent, `00-${TRACE_ID}-${OWN_SPAN}-01`);
  });

  it('passes trace headers through untouched when the request is not traced', () => {
    const flat = upstreamRequestHeaders(
      ['traceparent', `00-${TRACE_ID}-${CALLER_SPAN}-01`, 'x-request-id', 'r'],
      'backend',
      undefined,
    );
    assert.deepEqual(flat.slice(2, 4), ['traceparent', `00-${TRACE_ID}-${CALLER_SPAN}-01`]);
  });
});
