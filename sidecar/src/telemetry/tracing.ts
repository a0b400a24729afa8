// The sidecar's tracing: one span per request, made by hand where the listener attaches the
// exchange and ended where its metrics are recorded — a server span on inbound, a client span on
// outbound — continuing the caller's trace. Sampling is parent-based: a caller's decision is
// followed, new traces are sampled at a ratio the mesh's config may change at run time. Spans go
// out in batches over OTLP HTTP/protobuf; an unsampled request only carries its context on, decided
// here before the tracer is asked, so it costs no span of the SDK (unsampled-span.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSpanContextValid, ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TracerProvider,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from './semantic-conventions.js';
import type { Exchange } from './exchange.js';
import { RatioSampler } from './ratio-sampler.js';
import { setRequestAttributes, setResponseAttributes } from './span-attributes.js';
import { SpanExport, type SpanExportStats } from './span-export.js';
import { extractParent } from './trace-context.js';
import type { TraceExportConfig } from './trace-export-config.js';
import { newTraceId, unsampledSpan } from './unsampled-span.js';

// Envoy's and Istio's default: 1% of new traces.
export const DEFAULT_SAMPLING_RATIO = 0.01;
// The batch processor's default; at 100% sampling, over 10 s of traffic at 200 req/s.
const MAX_QUEUED_SPANS = 2048;
// On stop, how long the last spans may take to reach the collector before they are given up.
const SHUTDOWN_TIMEOUT_MS = 2000;

export interface TracingOptions {
  service: string;
  namespace: string;
  instanceId: string;
  export: TraceExportConfig;
  /** The exporter to use instead of OTLP to `export.url` (tests). */
  exporter?: SpanExporter;
}

export class Tracing {
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;
  readonly #sampler: RatioSampler;
  readonly #export: SpanExport;

  constructor(options: TracingOptions) {
    this.#sampler = new RatioSampler(DEFAULT_SAMPLING_RATIO);
    const exporter = options.exporter ?? new OTLPTraceExporter({ url: options.export.url });
    this.#export = new SpanExport(exporter, {
      maxQueueSize: MAX_QUEUED_SPANS,
      scheduledDelayMs: options.export.scheduledDelayMs,
    });
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: `${options.service}.${options.namespace}`,
        'service.instance.id': options.instanceId,
      }),
      // Only requests decided sampled (startSpan) reach the tracer: a new trace among them is sampled.
      sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
      spanProcessors: [this.#export],
    });
    this.#tracer = this.#provider.getTracer('pilotfish-sidecar');
  }

  get samplingRatio(): number {
    return this.#sampler.ratio;
  }

  /** The share (0..1) of new traces sampled from now on; callers' decisions are still followed. */
  setSamplingRatio(ratio: number): void {
    this.#sampler.setRatio(ratio);
  }

  /** Follows the MeshConfig's sampling as a listener of the config in force carries it; true when it changed. */
  followSampling(ratio: number | undefined): boolean {
    if (ratio === undefined || ratio === this.samplingRatio) return false;
    this.setSamplingRatio(ratio);
    return true;
  }

  get stats(): Readonly<SpanExportStats> {
    return this.#export.stats;
  }

  /** Starts the request's span as a child of the caller's, and puts it on the exchange. */
  startSpan(exchange: Exchange, req: IncomingMessage, listener: 'inbound' | 'outbound'): void {
    const isInbound = listener === 'inbound';
    const parent = extractParent(req.headers);
    const parentSpan = trace.getSpanContext(parent);
    const caller = parentSpan !== undefined && isSpanContextValid(parentSpan) ? parentSpan : undefined;
    // Parent-based: the caller's decision, else the ratio's for a new trace.
    const traceId = caller?.traceId ?? newTraceId();
    const isSampled =
      caller === undefined
        ? this.#sampler.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED
        : (caller.traceFlags & TraceFlags.SAMPLED) !== 0;
    if (!isSampled) {
      exchange.span = unsampledSpan(traceId, caller?.traceState);
      return;
    }
    // The semantic conventions' name without a route template: the method alone.
    const span = this.#tracer.startSpan(
      req.method ?? 'GET',
      { kind: isInbound ? SpanKind.SERVER : SpanKind.CLIENT },
      parent,
    );
    setRequestAttributes(span, req, isInbound);
    exchange.span = span;
  }

  endSpan(exchange: Exchange, res: ServerResponse, listener: 'inbound' | 'outbound'): void {
    const { span } = exchange;
    if (span === undefined || !span.isRecording()) return;
    setResponseAttributes(span, exchange, res, listener === 'inbound');
    span.end();
  }

  /** Sends what is queued now. */
  flush(): Promise<void> {
    return this.#provider.forceFlush();
  }

  /** Sends what is queued (within a bound) and stops exporting. */
  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS);
    });
    await Promise.race([this.#provider.shutdown(), timeout]);
    clearTimeout(timer);
  }
}
