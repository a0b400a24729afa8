// The MeshConfig's listener limits as xDS, on every sidecar listener (inbound and outbound): a
// connection_limit network filter ahead of the HttpConnectionManager, and the HCM's
// request_headers_timeout and common_http_protocol_options.max_headers_count.
import type { Filter } from '../../../proto/gen/envoy/config/listener/v3/Filter.js';
import type { ConnectionLimit } from '../../../proto/gen/envoy/extensions/filters/network/connection_limit/v3/ConnectionLimit.js';
import type { HttpConnectionManager } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import { CONNECTION_LIMIT_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import type { ListenerLimitsSpec } from '../config/mesh-config-schema.js';
import { duration } from './duration.js';
import { typedConfig } from './typed-config.js';

export function connectionLimitFilter(statPrefix: string, limits: ListenerLimitsSpec): Filter {
  return {
    name: CONNECTION_LIMIT_FILTER_NAME,
    typed_config: typedConfig<ConnectionLimit>(TYPE_URL.connectionLimit, {
      stat_prefix: statPrefix,
      max_connections: { value: limits.maxConnections },
    }),
  };
}

/** HttpConnectionManager fields (to spread into it). */
export function hcmLimits(limits: ListenerLimitsSpec): HttpConnectionManager {
  return {
    request_headers_timeout: duration(limits.requestHeadersTimeout),
    common_http_protocol_options: { max_headers_count: { value: limits.maxRequestHeaders } },
  };
}
