import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AlwaysOnSampler, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { SpanExport } from './span-export.js';

/** An exporter that answers each batch with `outcome`, or never when it is undefined (a hung collector). */
class ScriptedExporter implements SpanExporter {
  batches = 0;
  constructor(readonly outcome: ExportResultCode | undefined) {}
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.batches++;
    if (this.outcome !== undefined) done({ code: this.outcome });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function endSpans(spanExport: SpanExport, count: number): void {
  const tracer = new TracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [spanExport] }).getTracer('test');
  for (let i = 0; i < count; i++) tracer.startSpan('GET', { kind: SpanKind.SERVER }).end();
}

describe('span export', () => {
  it('counts the spans the collector accepted', async () => {
    const spanExport = new SpanExport(new ScriptedExporter(ExportResultCode.SUCCESS), {
      maxQueueSize: 100,
      scheduledDelayMs: 10,
    });
    endSpans(spanExport, 30);
    await spanExport.forceFlush();
    assert.deepEqual(spanExport.stats, { exported: 30, droppedQueueFull: 0, droppedExportFailed: 0 });
  });

  it('counts the spans of failed batches as dropped', async () => {
    const spanExport = new SpanExport(new ScriptedExporter(ExportResultCode.FAILED), {
      maxQueueSize: 100,
      scheduledDelayMs: 10,
    });
    endSpans(spanExport, 12);
    await spanExport.forceFlush().catch(() => undefined);
    assert.deepEqual(spanExport.stats, { exported: 0, droppedQueueFull: 0, droppedExportFailed: 12 });
  });

  it('drops and counts what does not fit while the collector hangs, without waiting for it', () => {
    const exporter = new ScriptedExporter(undefined);
    const spanExport = new SpanExport(exporter, { maxQueueSize: 8, scheduledDelayMs: 10 });
    const started = performance.now();
    endSpans(spanExport, 20);
    assert.ok(performance.now() - started < 1000, 'ending spans returned at once');
    assert.deepEqual(spanExport.stats, { exported: 0, droppedQueueFull: 12, droppedExportFailed: 0 });
  });
});
