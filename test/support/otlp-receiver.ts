// A local OTLP/HTTP traces receiver for tests, standing in for Jaeger's or a collector's port 4318:
// it takes POST /v1/traces, decodes the ExportTraceServiceRequest protobuf with protobufjs and the
// OTLP fields it reads (proto/otlp/trace_export.proto), and keeps spans.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { pilotfishProtoDir } from '../../proto/paths.js';
import { waitFor } from './processes.js';

/** A span as the collector got it; ids in hex, "" for no parent. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 2 server, 3 client. */
  kind: number;
  /** The resource's service.name. */
  service: string;
  attributes: Record<string, string | number | boolean>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

export const OTLP_SPAN_KIND_SERVER = 2;
export const OTLP_SPAN_KIND_CLIENT = 3;

interface AnyValue {
  stringValue?: string;
  intValue?: number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface DecodedRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: Uint8Array;
        spanId: Uint8Array;
        parentSpanId?: Uint8Array;
        name: string;
        kind: number;
        attributes?: KeyValue[];
        status?: { code?: number };
      }>;
    }>;
  }>;
}
const ExportTraceServiceRequest = protobuf
  .loadSync(join(pilotfishProtoDir, 'otlp', 'trace_export.proto'))
  .lookupType('otlp.v1.ExportTraceServiceRequest');

function attributesOf(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    const scalar = value?.stringValue ?? value?.intValue ?? value?.doubleValue ?? value?.boolValue;
    if (scalar !== undefined) attributes[key] = scalar;
  }
  return attributes;
}

const hex = (bytes: Uint8Array | undefined): string => (bytes === undefined ? '' : Buffer.from(bytes).toString('hex'));

/** Decodes one OTLP/HTTP protobuf traces payload into its spans. */
export function decodeTraces(body: Uint8Array): ReceivedSpan[] {
  const request = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
    longs: Number,
    defaults: false,
  }) as DecodedRequest;
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: span.name,
          kind: span.kind,
          service,
          attributes: attributesOf(span.attributes),
          statusCode: span.status?.code ?? 0,
        });
      }
    }
  }
  return spans;
}

export interface OtlpReceiver {
  /** The base URL, what OTEL_EXPORTER_OTLP_ENDPOINT is set to. */
  endpoint: string;
  spans: ReceivedSpan[];
  /** The Content-Type of every export request received. */
  contentTypes: string[];
  /** Waits until spans of `traceId` number at least `count`; returns them. */
  waitForTrace(traceId: string, count: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(String(req.headers['content-type']));
      try {
        spans.push(...decodeTraces(Buffer.concat(chunks)));
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        return;
      }
      // An empty ExportTraceServiceResponse: everything accepted.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const ofTrace = (traceId: string) => spans.filter((span) => span.traceId === traceId);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    async waitForTrace(traceId, count) {
      await waitFor(() => ofTrace(traceId).length >= count, `${count} spans of trace ${traceId} at the OTLP receiver`);
      return ofTrace(traceId);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
