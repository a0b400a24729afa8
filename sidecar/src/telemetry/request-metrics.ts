// Istio's standard request metrics (istio_requests_total, istio_request_duration_milliseconds,
// istio_request_bytes, istio_response_bytes) with Istio's labels, so existing dashboards and
// queries work. Label values are bounded: services, status codes and flags, never paths or ids.
// Beside them, pilotfish_sidecar_rate_limited_total counts the requests the local rate limit
// refused. The labelled children are resolved once per label set and cached by their label values,
// so a request costs one lookup and a few additions (resolved-metrics.ts).
import { Counter, type Registry } from 'prom-client';
import { peerLabels } from './peer-labels.js';
import type { CounterChild, HistogramChild } from './resolved-metrics.js';
import { ResolvedCounter, ResolvedHistogram } from './resolved-metrics.js';

// Istio's default buckets.
const DURATION_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];
const BYTE_BUCKETS = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

export interface RequestRecord {
  reporter: 'source' | 'destination';
  /** Service short names; "unknown" when not known. */
  source: string;
  destination: string;
  destinationFqdn: string;
  status: number;
  grpcStatus: string;
  flag: string;
  /** The caller's SPIFFE ID verified in mutual TLS (inbound); '' otherwise. */
  sourcePrincipal: string;
  /** Istio's request_protocol: grpc for gRPC calls, else http. */
  protocol: 'http' | 'grpc';
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
}

interface Children {
  requests: CounterChild;
  duration: HistogramChild;
  requestBytes: HistogramChild;
  responseBytes: HistogramChild;
  /** Only for requests the local rate limit refused. */
  rateLimited: ReturnType<Counter<RateLimitedLabel>['labels']> | undefined;
}

type RateLimitedLabel = 'reporter' | 'destination_service';

export class RequestMetrics {
  readonly #requests: ResolvedCounter;
  readonly #duration: ResolvedHistogram;
  readonly #requestBytes: ResolvedHistogram;
  readonly #responseBytes: ResolvedHistogram;
  readonly #rateLimited: Counter<RateLimitedLabel>;
  readonly #children = new Map<string, Children>();

  constructor(registry: Registry) {
    this.#requests = new ResolvedCounter('istio_requests_total', 'Requests, by source and destination.', registry);
    this.#duration = new ResolvedHistogram(
      'istio_request_duration_milliseconds',
      'Request durations.',
      DURATION_BUCKETS_MS,
      registry,
    );
    this.#requestBytes = new ResolvedHistogram('istio_request_bytes', 'Request body sizes.', BYTE_BUCKETS, registry);
    this.#responseBytes = new ResolvedHistogram('istio_response_bytes', 'Response body sizes.', BYTE_BUCKETS, registry);
    this.#rateLimited = new Counter({
      name: 'pilotfish_sidecar_rate_limited_total',
      help: 'Requests the local rate limit refused (response flag RL), by reporter and destination service.',
      labelNames: ['reporter', 'destination_service'],
      registers: [registry],
    });
  }

  record(record: RequestRecord): void {
    const key = `${record.reporter}\u0000${record.source}\u0000${record.destinationFqdn}\u0000${record.status}\u0000${record.grpcStatus}\u0000${record.flag}\u0000${record.protocol}\u0000${record.sourcePrincipal}`;
    let children = this.#children.get(key);
    if (children === undefined) {
      const labels = {
        ...peerLabels(
          record.reporter,
          record.source,
          record.destinationFqdn,
          record.destination,
          record.sourcePrincipal,
        ),
        response_code: String(record.status),
        grpc_response_status: record.grpcStatus,
        response_flags: record.flag,
        request_protocol: record.protocol,
      };
      children = {
        requests: this.#requests.child(labels),
        duration: this.#duration.child(labels),
        requestBytes: this.#requestBytes.child(labels),
        responseBytes: this.#responseBytes.child(labels),
        rateLimited:
          record.flag === 'RL'
            ? this.#rateLimited.labels({ reporter: record.reporter, destination_service: labels.destination_service })
            : undefined,
      };
      this.#children.set(key, children);
    }
    children.requests.inc();
    children.duration.observe(record.durationMs);
    children.requestBytes.observe(record.requestBytes);
    children.responseBytes.observe(record.responseBytes);
    children.rateLimited?.inc();
  }
}
