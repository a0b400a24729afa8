// The way out for finished spans: a batch processor with a bounded queue in front of the OTLP
// exporter, counting what was exported and what was dropped. A request only hands its span over;
// when the collector is down or slow the queue fills and further spans are dropped and counted,
// never waited for.
import type { Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

export interface SpanExportStats {
  exported: number;
  /** Spans that found the queue full (the collector is down or slower than the traffic). */
  droppedQueueFull: number;
  /** Spans in batches the collector refused or that could not reach it. */
  droppedExportFailed: number;
}

export interface SpanExportOptions {
  maxQueueSize: number;
  scheduledDelayMs: number;
}

/** Passes batches to `exporter` and reports each batch's outcome. */
class CountingExporter implements SpanExporter {
  constructor(
    readonly exporter: SpanExporter,
    readonly onSettled: (count: number, result: ExportResult) => void,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exporter.export(spans, (result) => {
      this.onSettled(spans.length, result);
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

export class SpanExport implements SpanProcessor {
  readonly stats: SpanExportStats = { exported: 0, droppedQueueFull: 0, droppedExportFailed: 0 };
  readonly #batch: BatchSpanProcessor;
  readonly #maxQueueSize: number;
  /** Spans handed to the batch processor whose export has not settled (queued or in flight). */
  #pending = 0;

  constructor(exporter: SpanExporter, options: SpanExportOptions) {
    this.#maxQueueSize = options.maxQueueSize;
    const counting = new CountingExporter(exporter, (count, result) => {
      this.#pending -= count;
      if (result.code === ExportResultCode.SUCCESS) this.stats.exported += count;
      else this.stats.droppedExportFailed += count;
    });
    // The batch processor drops silently when full; bounding what is pending here keeps it from
    // ever being full, so every drop is one counted here.
    this.#batch = new BatchSpanProcessor({
      exporter: counting,
      maxQueueSize: options.maxQueueSize,
      scheduledDelayMillis: options.scheduledDelayMs,
    });
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#pending >= this.#maxQueueSize) {
      this.stats.droppedQueueFull++;
      return;
    }
    this.#pending++;
    this.#batch.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.#batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#batch.shutdown();
  }
}
