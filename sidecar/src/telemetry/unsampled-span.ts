// The span of a request that is not sampled: only a context (trace id, a span id of its own, the
// caller's tracestate) that the next hop's headers and the access log carry on, made without the
// tracer's sampling, context and span machinery. Ids come from a pool of random bytes refilled a
// few hundred requests at a time.
import { randomFillSync } from 'node:crypto';
import { trace, TraceFlags, type Span, type TraceState } from '@opentelemetry/api';

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** `bytes` random bytes as lowercase hex, never all zeros (an invalid id in W3C and B3). */
export function randomHexId(bytes: number): string {
  for (;;) {
    if (offset + bytes > pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const id = pool.toString('hex', offset, offset + bytes);
    offset += bytes;
    if (/[^0]/.test(id)) return id;
  }
}

export const newTraceId = (): string => randomHexId(TRACE_ID_BYTES);

/** A span that records nothing in trace `traceId` (the caller's, or a new one), with the caller's tracestate. */
export function unsampledSpan(traceId: string, traceState: TraceState | undefined): Span {
  return trace.wrapSpanContext({
    traceId,
    spanId: randomHexId(SPAN_ID_BYTES),
    traceFlags: TraceFlags.NONE,
    ...(traceState && { traceState }),
  });
}
