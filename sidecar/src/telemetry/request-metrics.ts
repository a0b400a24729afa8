// Istio's standard request metrics (istio_requests_total, istio_request_duration_milliseconds,
// istio_request_bytes, istio_response_bytes) with Istio's labels, so existing dashboards and
// queries work. Label values are bounded: services, status codes and flags, never paths or ids.
// Beside them, pilotfish_sidecar_rate_limited_total counts the requests the local rate limit
// refused. The labelled children are cached by their label values, so a request costs lookups only.
import { Counter, Histogram, type Registry } from 'prom-client';
import { PEER_LABELS, peerLabels } from './peer-labels.js';

const LABELS = [...PEER_LABELS, 'response_code', 'grpc_response_status', 'response_flags', 'request_protocol'] as const;

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
  /** Istio's request_protocol: grpc for gRPC calls, else http. */
  protocol: 'http' | 'grpc';
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
}

interface Children {
  requests: ReturnType<Counter<(typeof LABELS)[number]>['labels']>;
  duration: ReturnType<Histogram<(typeof LABELS)[number]>['labels']>;
  requestBytes: ReturnType<Histogram<(typeof LABELS)[number]>['labels']>;
  responseBytes: ReturnType<Histogram<(typeof LABELS)[number]>['labels']>;
  /** Only for requests the local rate limit refused. */
  rateLimited: ReturnType<Counter<RateLimitedLabel>['labels']> | undefined;
}

type RateLimitedLabel = 'reporter' | 'destination_service';

export class RequestMetrics {
  readonly #requests: Counter<(typeof LABELS)[number]>;
  readonly #duration: Histogram<(typeof LABELS)[number]>;
  readonly #requestBytes: Histogram<(typeof LABELS)[number]>;
  readonly #responseBytes: Histogram<(typeof LABELS)[number]>;
  readonly #rateLimited: Counter<RateLimitedLabel>;
  readonly #children = new Map<string, Children>();

  constructor(registry: Registry) {
    const labelNames = [...LABELS];
    this.#requests = new Counter({
      name: 'istio_requests_total',
      help: 'Requests, by source and destination.',
      labelNames,
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'istio_request_duration_milliseconds',
      help: 'Request durations.',
      labelNames,
      buckets: DURATION_BUCKETS_MS,
      registers: [registry],
    });
    this.#requestBytes = new Histogram({
      name: 'istio_request_bytes',
      help: 'Request body sizes.',
      labelNames,
      buckets: BYTE_BUCKETS,
      registers: [registry],
    });
    this.#responseBytes = new Histogram({
      name: 'istio_response_bytes',
      help: 'Response body sizes.',
      labelNames,
      buckets: BYTE_BUCKETS,
      registers: [registry],
    });
    this.#rateLimited = new Counter({
      name: 'pilotfish_sidecar_rate_limited_total',
      help: 'Requests the local rate limit refused (response flag RL), by reporter and destination service.',
      labelNames: ['reporter', 'destination_service'],
      registers: [registry],
    });
  }

  record(record: RequestRecord): void {
    const key = `${record.reporter}\u0000${record.source}\u0000${record.destinationFqdn}\u0000${record.status}\u0000${record.grpcStatus}\u0000${record.flag}\u0000${record.protocol}`;
    let children = this.#children.get(key);
    if (children === undefined) {
      const labels = {
        ...peerLabels(record.reporter, record.source, record.destinationFqdn, record.destination),
        response_code: String(record.status),
        grpc_response_status: record.grpcStatus,
        response_flags: record.flag,
        request_protocol: record.protocol,
      };
      children = {
        requests: this.#requests.labels(labels),
        duration: this.#duration.labels(labels),
        requestBytes: this.#requestBytes.labels(labels),
        responseBytes: this.#responseBytes.labels(labels),
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
