import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AlwaysOnSampler, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { SpanExport } from './span-export.js';

/**
 * An exporter that answers each batch with `outcome`; when it is undefined (a hung collector) it
 * holds each batch until `answerHeld`.
 */
class ScriptedExporter implements SpanExporter {
  readonly held: ((result: ExportResult) => void)[] = [];
  constructor(readonly outcome: ExportResultCode | undefined) {}
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.outcome === undefined) this.held.push(done);
    else done({ code: this.outcome });
  }
  answerHeld(code: ExportResultCode): void {
    for (const done of this.held.splice(0)) done({ code });
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

  it('drops and counts what does not fit while the collector hangs, and exports again once it answers', async () => {
    const exporter = new ScriptedExporter(undefined);
    const spanExport = new SpanExport(exporter, { maxQueueSize: 8, scheduledDelayMs: 10 });
    endSpans(spanExport, 20);
    assert.deepEqual(spanExport.stats, { exported: 0, droppedQueueFull: 12, droppedExportFailed: 0 });
    const flushed = spanExport.forceFlush();
    exporter.answerHeld(ExportResultCode.SUCCESS);
    await flushed;
    assert.deepEqual(spanExport.stats, { exported: 8, droppedQueueFull: 12, droppedExportFailed: 0 });
    endSpans(spanExport, 3);
    const again = spanExport.forceFlush();
    exporter.answerHeld(ExportResultCode.SUCCESS);
    await again;
    assert.deepEqual(spanExport.stats, { exported: 11, droppedQueueFull: 12, droppedExportFailed: 0 });
  });
});
