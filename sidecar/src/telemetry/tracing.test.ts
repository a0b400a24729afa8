import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { waitFor } from '../../../test/support/processes.js';
import { attachExchange, traceIdOf } from './exchange.js';
import { Tracing } from './tracing.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const tracing = new Tracing({
    service: 'backend',
    namespace: 'shop',
    instanceId: 'backend-1',
    export: { url: 'http://127.0.0.1:9/v1/traces', scheduledDelayMs: 10 },
    exporter,
  });
  const traceIds: string[] = [];
  let spansEnded = 0;
  let server: Server;
  let port: number;

  before(async () => {
    // The listener's part: a span per request, ended when the response closes.
    server = createServer((req, res) => {
      const exchange = attachExchange(res, performance.now());
      tracing.startSpan(exchange, req, 'inbound');
      traceIds.push(traceIdOf(exchange));
      exchange.routed('inbound|app');
      exchange.attempted('127.0.0.1:8080', 2);
      res.on('close', () => {
        tracing.endSpan(exchange, res, 'inbound');
        spansEnded++;
      });
      res.writeHead(Number(req.headers['x-status'] ?? 200)).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.close();
    await tracing.shutdown();
  });

  async function send(headers: Record<string, string>): Promise<void> {
    const endedBefore = spansEnded;
    await new Promise<void>((resolve, reject) => {
      request(
        { host: '127.0.0.1', port, path: '/orders/7?full=1', headers: { host: 'backend:9080', ...headers } },
        (res) => res.resume().on('end', resolve),
      )
        .on('error', reject)
        .end();
    });
    // The span ends on the response's close, just after the client has it.
    await waitFor(() => spansEnded > endedBefore, 'the span to end');
  }

  it('records a server span under a sampled caller, with HTTP semantic convention attributes', async () => {
    exporter.reset();
    tracing.setSamplingRatio(0);
    await send({
      traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`,
      'x-pilotfish-source': 'frontend',
      'x-status': '503',
    });
    await tracing.flush();
    const [span] = exporter.getFinishedSpans();
    assert.ok(span, 'the span was exported');
    assert.equal(span.spanContext().traceId, TRACE_ID);
    assert.equal(span.parentSpanContext?.spanId, CALLER_SPAN);
    assert.equal(span.kind, SpanKind.SERVER);
    assert.equal(span.name, 'GET');
    assert.equal(span.resource.attributes['service.name'], 'backend.shop');
    assert.deepEqual(span.attributes, {
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'url.path': '/orders/7',
      'server.address': 'backend',
      'server.port': 9080,
      'network.peer.address': '127.0.0.1',
      'network.peer.port': span.attributes['network.peer.port'],
      'peer.service': 'frontend',
      'http.response.status_code': 503,
      upstream_cluster: 'inbound|app',
      upstream_address: '127.0.0.1:8080',
      'http.request.resend_count': 1,
      response_flags: '-',
      'error.type': '503',
    });
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });

  it('samples new traces at the ratio set at run time, and follows an unsampled caller', async () => {
    exporter.reset();
    tracing.setSamplingRatio(0);
    await send({});
    tracing.setSamplingRatio(1);
    await send({ traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-00` });
    await send({});
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 1, 'only the new trace after the ratio went to 1 was recorded');
    assert.equal(spans[0]?.spanContext().traceId, traceIds.at(-1));
    assert.equal(spans[0]?.parentSpanContext, undefined);
    assert.match(traceIds.at(-3) ?? '', /^[0-9a-f]{32}$/, 'an unsampled request still has a trace id');
    assert.equal(traceIds.at(-2), TRACE_ID);
  });

  it('refuses a ratio outside 0..1 and keeps the one in force', () => {
    tracing.setSamplingRatio(0.25);
    assert.throws(() => tracing.setSamplingRatio(1.5), /sampling ratio 1.5 is outside 0..1/);
    assert.throws(() => tracing.setSamplingRatio(Number.NaN), /outside 0..1/);
    assert.equal(tracing.samplingRatio, 0.25);
  });
});
