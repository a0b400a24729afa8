// Checks a cluster's HttpProtocolOptions (typed_extension_protocol_options): the protocol it speaks
// to its endpoints (HTTP/1.1, HTTP/2, or the downstream's) and its connections' idle timeout.
import type { Duration__Output } from '../../../proto/gen/google/protobuf/Duration.js';
import { TYPE_URL } from '../../../proto/xds.js';
import type { UpstreamProtocol } from '../cluster/cluster.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { durationMs } from './duration.js';

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
// Http2ProtocolOptions: the session runs with Node's HTTP/2 defaults.
const UNSUPPORTED_HTTP2_OPTIONS: UnsupportedFields = [
  ['hpack_table_size', 'HTTP/2 settings'],
  ['max_concurrent_streams', 'HTTP/2 settings'],
  ['initial_stream_window_size', 'HTTP/2 settings'],
  ['initial_connection_window_size', 'HTTP/2 settings'],
  ['allow_connect', 'extended CONNECT'],
  ['allow_metadata', 'METADATA frames'],
  ['max_outbound_frames', 'HTTP/2 flood limits'],
  ['max_outbound_control_frames', 'HTTP/2 flood limits'],
  ['max_consecutive_inbound_frames_with_empty_payload', 'HTTP/2 flood limits'],
  ['max_inbound_priority_frames_per_stream', 'HTTP/2 flood limits'],
  ['max_inbound_window_update_frames_per_data_frame_sent', 'HTTP/2 flood limits'],
  ['custom_settings_parameters', 'HTTP/2 settings'],
  ['connection_keepalive', 'HTTP/2 keepalive PINGs'],
  ['use_oghttp2_codec', 'oghttp2'],
  ['max_metadata_size', 'METADATA frames'],
];

type ProtocolOptions = {
  '@type'?: string;
  upstream_protocol_options?: string;
  explicit_http_config?: { protocol_config?: string; http_protocol_options?: object; http2_protocol_options?: object };
  use_downstream_protocol_config?: {
    http_protocol_options?: object;
    http2_protocol_options?: object;
    http3_protocol_options?: object;
  };
  common_http_protocol_options?: { idle_timeout?: Duration__Output };
};

/** Checks the HTTP protocol options: the upstream protocol, and the idle timeout when one is set. */
export function checkProtocolOptions(
  resource: ResourceRef,
  options: Record<string, unknown>,
): { idleTimeoutMs: number | undefined; protocol: UpstreamProtocol } {
  let idleTimeoutMs: number | undefined;
  let protocol: UpstreamProtocol = 'http1';
  for (const [key, value] of Object.entries(options)) {
    const path = `typed_extension_protocol_options["${key}"]`;
    const typed = value as ProtocolOptions;
    if (key !== HTTP_PROTOCOL_OPTIONS || typed['@type'] !== TYPE_URL.httpProtocolOptions) {
      throw configError(resource, path, `only ${HTTP_PROTOCOL_OPTIONS} is supported`);
    }
    protocol = checkUpstreamProtocol(resource, path, typed);
    const idleTimeout = typed.common_http_protocol_options?.idle_timeout;
    if (idleTimeout !== undefined) {
      idleTimeoutMs = durationMs(idleTimeout);
      // Envoy reads 0 as "never": an idle connection kept forever races the app's own close.
      if (!(idleTimeoutMs > 0))
        throw configError(
          resource,
          `${path}.common_http_protocol_options.idle_timeout`,
          'must be positive (0, no idle timeout, is not supported)',
        );
    }
  }
  return { idleTimeoutMs, protocol };
}

/** explicit_http_config (HTTP/1.1 or HTTP/2) or use_downstream_protocol_config; auto_config needs TLS ALPN. */
function checkUpstreamProtocol(resource: ResourceRef, path: string, typed: ProtocolOptions): UpstreamProtocol {
  const choice = typed.upstream_protocol_options;
  if (choice === undefined) return 'http1';
  if (choice === 'explicit_http_config') {
    const explicit = typed.explicit_http_config ?? {};
    if (explicit.protocol_config === 'http2_protocol_options') {
      rejectUnsupported(
        resource,
        `${path}.explicit_http_config.http2_protocol_options`,
        explicit.http2_protocol_options ?? {},
        UNSUPPORTED_HTTP2_OPTIONS,
      );
      return 'http2';
    }
    if (explicit.protocol_config === 'http_protocol_options' || explicit.protocol_config === undefined) return 'http1';
    throw configError(
      resource,
      `${path}.explicit_http_config.${explicit.protocol_config}`,
      'not supported by this sidecar (HTTP/1.1 or HTTP/2 only)',
    );
  }
  if (choice === 'use_downstream_protocol_config') {
    const downstream = typed.use_downstream_protocol_config ?? {};
    if (downstream.http3_protocol_options !== undefined)
      throw configError(
        resource,
        `${path}.use_downstream_protocol_config.http3_protocol_options`,
        'not supported by this sidecar (HTTP/3)',
      );
    rejectUnsupported(
      resource,
      `${path}.use_downstream_protocol_config.http2_protocol_options`,
      downstream.http2_protocol_options ?? {},
      UNSUPPORTED_HTTP2_OPTIONS,
    );
    return 'downstream';
  }
  throw configError(
    resource,
    `${path}.${choice}`,
    'not supported by this sidecar (auto_config picks the protocol by TLS ALPN; use explicit_http_config or use_downstream_protocol_config)',
  );
}
