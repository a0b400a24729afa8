// Trace context on the wire: which trace a request's headers continue (W3C traceparent and
// tracestate, else B3 single `b3` or multi `x-b3-*`), and the headers that carry this sidecar's
// span to the next hop: W3C always, and each B3 format the request came with, rewritten for the
// new span as Envoy does.
import type { IncomingHttpHeaders } from 'node:http';
import {
  defaultTextMapGetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Span,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';

/** B3 formats as bits: which ones a request carried. */
export const B3_SINGLE = 1;
export const B3_MULTI = 2;

const w3c = new W3CTraceContextPropagator();
// Each extracts both B3 formats; they differ in what they inject.
const b3Single = new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
const b3Multi = new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });

// The headers replaced on the way to the next hop, with the B3 format each belongs to (0: W3C).
// x-b3-flags (debug) is not rewritten: it passes through as the caller sent it.
const TRACE_HEADERS = new Map<string, number>([
  ['traceparent', 0],
  ['tracestate', 0],
  ['b3', B3_SINGLE],
  ['x-b3-traceid', B3_MULTI],
  ['x-b3-spanid', B3_MULTI],
  ['x-b3-parentspanid', B3_MULTI],
  ['x-b3-sampled', B3_MULTI],
]);

const appendSetter: TextMapSetter<string[]> = {
  set(carrier, key, value) {
    carrier.push(key, value);
  },
};

/** The context the request continues: its W3C parent, else its B3 parent, else none (a new trace). */
export function extractParent(headers: IncomingHttpHeaders): Context {
  if (headers.traceparent !== undefined) {
    const context = w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    if (trace.getSpanContext(context) !== undefined) return context;
  }
  if (headers.b3 !== undefined || headers['x-b3-traceid'] !== undefined)
    return b3Single.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  return ROOT_CONTEXT;
}

/** For a lowercase header name: the B3 format bit of a trace header (0 for W3C's), undefined for any other header. */
export function traceHeaderFormat(name: string): number | undefined {
  return TRACE_HEADERS.get(name);
}

/** Appends to a flat [name, value, …] list the headers carrying `span`: W3C, and the B3 formats in `b3Formats`. */
export function appendTraceHeaders(headers: string[], span: Span, b3Formats: number): void {
  const spanContext = span.spanContext();
  // W3C's headers as its propagator writes them, without a Context made for every request.
  if (isSpanContextValid(spanContext)) {
    headers.push(
      'traceparent',
      `00-${spanContext.traceId}-${spanContext.spanId}-0${spanContext.traceFlags.toString(16)}`,
    );
    if (spanContext.traceState !== undefined) headers.push('tracestate', spanContext.traceState.serialize());
  }
  if (b3Formats === 0) return;
  const context = trace.setSpan(ROOT_CONTEXT, span);
  if ((b3Formats & B3_SINGLE) !== 0) b3Single.inject(context, headers, appendSetter);
  if ((b3Formats & B3_MULTI) !== 0) b3Multi.inject(context, headers, appendSetter);
}
