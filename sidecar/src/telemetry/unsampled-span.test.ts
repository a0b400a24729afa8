import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { newTraceId, unsampledSpan } from './unsampled-span.js';

describe('unsampled span', () => {
  it('has random ids, is not sampled and records nothing', () => {
    const spans = Array.from({ length: 1000 }, () => unsampledSpan(newTraceId(), undefined));
    for (const span of spans) {
      const context = span.spanContext();
      assert.match(context.traceId, /^[0-9a-f]{32}$/);
      assert.match(context.spanId, /^[0-9a-f]{16}$/);
      assert.equal(context.traceFlags, TraceFlags.NONE);
      assert.equal(span.isRecording(), false);
    }
    assert.equal(new Set(spans.map((span) => span.spanContext().traceId)).size, spans.length);
    assert.equal(new Set(spans.map((span) => span.spanContext().spanId)).size, spans.length);
  });

  it("continues the caller's trace and tracestate with a span id of its own", () => {
    const caller = {
      traceId: newTraceId(),
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
      traceState: new TraceState('vendor=value'),
    };
    const context = unsampledSpan(caller.traceId, caller.traceState).spanContext();
    assert.equal(context.traceId, caller.traceId);
    assert.notEqual(context.spanId, caller.spanId);
    assert.equal(context.traceState?.serialize(), 'vendor=value');
  });
});
