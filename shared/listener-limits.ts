// What a sidecar listener takes from its clients, with the defaults both the MeshConfig schema and
// the sidecar (before its first config) use: connections open at once (Envoy's connection_limit
// filter), time to send a request's headers (request_headers_timeout), and header fields per
// request (max_headers_count, Envoy's default 100).

export interface ListenerLimits {
  /** Connections open at once; one more is closed as soon as it is accepted. */
  maxConnections: number;
  /** From a request's first byte (or an h2 connection's start) to its complete header section. */
  requestHeadersTimeoutMs: number;
  /** Header fields a request may carry; more get 431. */
  maxRequestHeaders: number;
}

export const DEFAULT_LISTENER_LIMITS: Readonly<ListenerLimits> = {
  maxConnections: 1024,
  requestHeadersTimeoutMs: 10_000,
  maxRequestHeaders: 100,
};

/** The sidecar's parsers keep at most one field more than this, so no limit may be above it. */
export const MAX_REQUEST_HEADERS_LIMIT = 1000;
