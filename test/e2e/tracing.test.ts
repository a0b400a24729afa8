// Tracing end to end: an app's request through its sidecar (client span) and the callee's sidecar
// (server span) to the called app, with spans exported over OTLP HTTP/protobuf to a local
// receiver that decodes them with the opentelemetry-proto definitions. One trace from the calling
// app to the called app, whatever format the caller used; with the collector gone, requests go on.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNamedApp } from '../support/apps.js';
import { freePort } from '../support/free-port.js';
import { httpRequest } from '../support/http.js';
import { startTwoServiceMesh, type TwoServiceMesh } from '../support/mesh.js';
import {
  OTLP_SPAN_KIND_CLIENT,
  OTLP_SPAN_KIND_SERVER,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../support/otlp-receiver.js';
import { startSidecar, waitFor } from '../support/processes.js';
import { issueSvid, mutualTlsRequest } from '../support/workload-certificates.js';

// Spans leave every 50 ms instead of every 5 s, so tests need not wait.
const FAST_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '50' };
const BACKEND = 'backend.default.svc.cluster.local';

const newTraceId = () => randomBytes(16).toString('hex');
const newSpanId = () => randomBytes(8).toString('hex');

/** Calls the backend through the frontend's sidecar, as the frontend app would; returns the headers the backend app got. */
async function callBackend(
  mesh: TwoServiceMesh,
  headers: Record<string, string> = {},
): Promise<Record<string, string>> {
  const result = await httpRequest(mesh.frontend.outbound, '/orders/7?expand=items', {
    headers: { host: 'backend', ...headers },
  });
  assert.equal(result.status, 200, result.body);
  return (JSON.parse(result.body) as { headers: Record<string, string> }).headers;
}

/** The client span (frontend's sidecar) and server span (backend's) of one trace. */
async function hops(receiver: OtlpReceiver, traceId: string): Promise<{ client: ReceivedSpan; server: ReceivedSpan }> {
  const spans = await receiver.waitForTrace(traceId, 2);
  const client = spans.find((span) => span.kind === OTLP_SPAN_KIND_CLIENT);
  const server = spans.find((span) => span.kind === OTLP_SPAN_KIND_SERVER);
  assert.ok(client && server, `a client and a server span in ${JSON.stringify(spans)}`);
  assert.equal(spans.length, 2, 'one span per sidecar');
  return { client, server };
}

async function scrape(admin: string): Promise<string> {
  return (await fetch(`http://${admin}/stats/prometheus`)).text();
}

function counter(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function meshConfig(samplingPercent: number): string {
  return `apiVersion: pilotfish.dev/v1
kind: MeshConfig
metadata: { name: mesh }
spec:
  tracing: { sampling: ${samplingPercent} }
`;
}

describe('tracing across two sidecars', () => {
  let receiver: OtlpReceiver;
  let mesh: TwoServiceMesh;
  let configDir: string;

  before(async () => {
    receiver = await startOtlpReceiver();
    configDir = await mkdtemp(join(tmpdir(), 'pilotfish-tracing-'));
    await writeFile(join(configDir, 'mesh.yaml'), meshConfig(100));
    mesh = await startTwoServiceMesh({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, ...FAST_EXPORT }, [
      '--config-dir',
      configDir,
    ]);
  });
  after(async () => {
    await mesh?.stop();
    await receiver?.close();
    if (configDir !== undefined) await rm(configDir, { recursive: true, force: true });
  });

  /** Waits until a request without trace context reaches the app with the sampled flag `flag`. */
  async function waitForNewTracesSampled(flag: '00' | '01'): Promise<void> {
    await waitFor(
      async () => (await callBackend(mesh)).traceparent?.endsWith(`-${flag}`) === true,
      `new traces ${flag === '01' ? 'sampled' : 'not sampled'}`,
    );
  }

  it("continues the app's W3C trace through both sidecars into the called app, with semantic-convention attributes", async () => {
    const traceId = newTraceId();
    const appSpan = newSpanId();
    const seen = await callBackend(mesh, {
      traceparent: `00-${traceId}-${appSpan}-01`,
      tracestate: 'shop=cart7,vendor=x',
    });
    const { client, server } = await hops(receiver, traceId);
    assert.equal(client.parentSpanId, appSpan, "the client span is the calling app's span's child");
    assert.equal(server.parentSpanId, client.spanId, "the callee's server span is the client span's child");
    assert.equal(
      seen.traceparent,
      `00-${traceId}-${server.spanId}-01`,
      "the called app's spans become the server span's children",
    );
    assert.equal(seen.tracestate, 'shop=cart7,vendor=x', 'tracestate carried to the app');
    assert.ok(
      receiver.contentTypes.every((type) => type === 'application/x-protobuf'),
      `OTLP over HTTP/protobuf: ${receiver.contentTypes}`,
    );

    assert.equal(client.service, 'frontend.default');
    assert.equal(client.name, 'GET');
    assert.equal(client.statusCode, 0);
    assert.deepEqual(
      { ...client.attributes, 'network.peer.port': 0 },
      {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'url.path': '/orders/7',
        'server.address': 'backend',
        'network.protocol.version': '1.1',
        'http.response.status_code': 200,
        upstream_cluster: BACKEND,
        'peer.service': BACKEND,
        upstream_address: client.attributes.upstream_address,
        'network.peer.address': '127.0.0.1',
        'network.peer.port': 0,
        response_flags: '-',
      },
    );
    assert.match(String(client.attributes.upstream_address), /^127\.0\.0\.1:\d+$/, 'the endpoint that answered');
    assert.equal(server.service, 'backend.default');
    assert.equal(server.attributes['http.request.method'], 'GET');
    assert.equal(server.attributes['url.path'], '/orders/7');
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.equal(server.attributes['peer.service'], 'frontend', 'the calling service, as its sidecar named it');
    assert.equal(server.attributes['network.peer.address'], '127.0.0.1');
    assert.equal(server.attributes.response_flags, '-');
  });

  it("carries a B3 single-header caller's trace on as W3C, with b3 rewritten for each hop", async () => {
    const traceId = newTraceId();
    const appSpan = newSpanId();
    const seen = await callBackend(mesh, { b3: `${traceId}-${appSpan}-1` });
    const { client, server } = await hops(receiver, traceId);
    assert.equal(client.parentSpanId, appSpan);
    assert.equal(server.parentSpanId, client.spanId);
    assert.equal(seen.traceparent, `00-${traceId}-${server.spanId}-01`);
    assert.equal(seen.b3, `${traceId}-${server.spanId}-1`);
  });

  it("carries a B3 multi-header caller's trace on as W3C, with x-b3-* rewritten for each hop", async () => {
    const traceId = newTraceId();
    const appSpan = newSpanId();
    const seen = await callBackend(mesh, { 'x-b3-traceid': traceId, 'x-b3-spanid': appSpan, 'x-b3-sampled': '1' });
    const { client, server } = await hops(receiver, traceId);
    assert.equal(client.parentSpanId, appSpan);
    assert.equal(server.parentSpanId, client.spanId);
    assert.equal(seen.traceparent, `00-${traceId}-${server.spanId}-01`);
    assert.deepEqual([seen['x-b3-traceid'], seen['x-b3-spanid'], seen['x-b3-sampled']], [traceId, server.spanId, '1']);
  });

  it('follows an unsampled caller: its trace goes on with the sampled flag off and no span is exported', async () => {
    const unsampled = newTraceId();
    const appSpan = newSpanId();
    const seen = await callBackend(mesh, { traceparent: `00-${unsampled}-${appSpan}-00` });
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-00$/.exec(seen.traceparent ?? '');
    assert.ok(match, `unsampled traceparent reached the app: ${seen.traceparent}`);
    assert.equal(match[1], unsampled, 'same trace');
    assert.notEqual(match[2], appSpan, "a new span id per hop, not the caller's");
    // A sampled request after it: once its spans are in, the unsampled one's would be too.
    const sampled = newTraceId();
    await callBackend(mesh, { traceparent: `00-${sampled}-${newSpanId()}-01` });
    await hops(receiver, sampled);
    assert.deepEqual(
      receiver.spans.filter((span) => span.traceId === unsampled),
      [],
    );
  });

  it("starts a trace, sampled at the MeshConfig's 100%, for an app that sent none: one trace id on both hops and in the app", async () => {
    await waitForNewTracesSampled('01');
    const seen = await callBackend(mesh);
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(seen.traceparent ?? '');
    assert.ok(match, `a sampled traceparent reached the app: ${seen.traceparent}`);
    const { client, server } = await hops(receiver, match[1] as string);
    assert.equal(client.parentSpanId, '', 'the client span is the root');
    assert.equal(server.parentSpanId, client.spanId);
    assert.equal(match[2], server.spanId);
  });

  it('follows a MeshConfig sampling change at run time, for new traces only', async () => {
    await writeFile(join(configDir, 'mesh.yaml'), meshConfig(0));
    try {
      await waitForNewTracesSampled('00');
      const sampledCaller = newTraceId();
      const seen = await callBackend(mesh, { traceparent: `00-${sampledCaller}-${newSpanId()}-01` });
      assert.match(
        seen.traceparent ?? '',
        new RegExp(`^00-${sampledCaller}-[0-9a-f]{16}-01$`),
        "a sampled caller's trace is still followed",
      );
      await hops(receiver, sampledCaller);
    } finally {
      await writeFile(join(configDir, 'mesh.yaml'), meshConfig(100));
      await waitForNewTracesSampled('01');
    }
  });

  it("marks the span of an answer the sidecar made itself with Envoy's response flag and an error status", async () => {
    const traceId = newTraceId();
    const result = await httpRequest(mesh.frontend.outbound, '/', {
      headers: { host: 'nosuch', traceparent: `00-${traceId}-${newSpanId()}-01` },
    });
    assert.equal(result.status, 404);
    const [span] = await receiver.waitForTrace(traceId, 1);
    assert.equal(span?.kind, OTLP_SPAN_KIND_CLIENT);
    assert.equal(span?.attributes.response_flags, 'NR');
    assert.equal(span?.attributes['http.response.status_code'], 404);
    assert.equal(span?.attributes['error.type'], '404');
    assert.equal(span?.statusCode, 2, 'error status');
    assert.equal(span?.attributes.upstream_address, undefined, 'no endpoint was tried');
  });

  it('sends the spans still queued when a sidecar stops', async () => {
    const app = await startNamedApp('audit-1');
    mesh.apps.push(app);
    // Batches every minute: only the flush on stop can send this span in time.
    const sidecar = await startSidecar({
      service: 'audit',
      instanceId: 'audit-1',
      appPort: app.port,
      controlPlane: mesh.controlPlane.grpc,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '60000' },
    });
    const traceId = newTraceId();
    const caller = await issueSvid(mesh.controlPlane.stateDir as string, 'frontend');
    try {
      assert.equal(
        // Straight to its inbound listener, in mutual TLS as a peer's sidecar would call it.
        (
          await mutualTlsRequest(sidecar.inbound, '/audit', caller, caller.ca, {
            host: 'audit',
            traceparent: `00-${traceId}-${newSpanId()}-01`,
          })
        ).status,
        200,
      );
    } finally {
      assert.equal(await sidecar.stop(), 0);
    }
    const [span] = receiver.spans.filter((candidate) => candidate.traceId === traceId);
    assert.equal(span?.service, 'audit.default');
    assert.equal(span?.attributes['url.path'], '/audit');
  });

  it('counts exported spans on /stats/prometheus', async () => {
    await callBackend(mesh, { traceparent: `00-${newTraceId()}-${newSpanId()}-01` });
    await waitFor(
      async () => counter(await scrape(mesh.frontend.admin), 'pilotfish_sidecar_spans_exported_total') >= 5,
      'frontend exported spans counted',
    );
    const text = await scrape(mesh.backend.admin);
    assert.ok(counter(text, 'pilotfish_sidecar_spans_exported_total') >= 5, 'backend exported spans counted');
    assert.equal(counter(text, 'pilotfish_sidecar_spans_dropped_total{reason="export_failed"}'), 0);
    assert.equal(counter(text, 'pilotfish_sidecar_spans_dropped_total{reason="queue_full"}'), 0);
  });
});

describe('tracing with the collector unreachable', () => {
  let receiver: OtlpReceiver;
  let up: TwoServiceMesh;
  let down: TwoServiceMesh;

  before(async () => {
    receiver = await startOtlpReceiver();
    // A port nothing listens on.
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    [up, down] = await Promise.all([
      startTwoServiceMesh({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, ...FAST_EXPORT }),
      // The exporter gives a batch up after its retries within this timeout (default 10 s).
      startTwoServiceMesh({ OTEL_EXPORTER_OTLP_ENDPOINT: nowhere, OTEL_EXPORTER_OTLP_TIMEOUT: '1000', ...FAST_EXPORT }),
    ]);
  });
  after(async () => {
    await Promise.all([up?.stop(), down?.stop()]);
    await receiver?.close();
  });

  it('keeps requests flowing at the same latency, and counts the spans it drops', async (t) => {
    const latencies = { up: [] as number[], down: [] as number[] };
    // Interleaved, so both meshes see the same machine load; every request sampled.
    for (let i = 0; i < 60; i++) {
      for (const [name, mesh] of [
        ['up', up],
        ['down', down],
      ] as const) {
        const started = performance.now();
        await callBackend(mesh, { traceparent: `00-${newTraceId()}-${newSpanId()}-01` });
        latencies[name].push(performance.now() - started);
      }
    }
    const [p50Up, p50Down] = [median(latencies.up), median(latencies.down)];
    t.diagnostic(`p50 ${p50Up.toFixed(2)} ms with the collector up, ${p50Down.toFixed(2)} ms with it down`);
    assert.ok(
      p50Down <= 2 * p50Up + 5,
      `p50 ${p50Down.toFixed(2)} ms with the collector down vs ${p50Up.toFixed(2)} ms with it up`,
    );
    // Each failed batch is counted once the exporter gives up on it (after its retries).
    await waitFor(
      async () =>
        counter(await scrape(down.frontend.admin), 'pilotfish_sidecar_spans_dropped_total{reason="export_failed"}') > 0,
      'dropped spans counted',
    );
    assert.equal(counter(await scrape(down.frontend.admin), 'pilotfish_sidecar_spans_exported_total'), 0);
  });
});
