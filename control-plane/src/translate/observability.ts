// The MeshConfig's settings as HttpConnectionManager fields, the same on every listener of every
// sidecar: `tracing.random_sampling` (the share of requests that start a trace) and, when access
// logging is on, a stdout access log in JSON whose fields are Istio's default JSON format.
import type { HttpConnectionManager } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import type { StdoutAccessLog } from '../../../proto/gen/envoy/extensions/access_loggers/stream/v3/StdoutAccessLog.js';
import { objectToStruct, TYPE_URL } from '../../../proto/xds.js';
import type { MeshSettings } from '../config/mesh-config-schema.js';
import { typedConfig } from './typed-config.js';

export const STDOUT_ACCESS_LOG_NAME = 'envoy.access_loggers.stdout';

/** Istio's default JSON access-log fields, in Envoy's command operators. */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  start_time: '%START_TIME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  upstream_request_attempt_count: '%UPSTREAM_REQUEST_ATTEMPT_COUNT%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  authority: '%REQ(:AUTHORITY)%',
  user_agent: '%REQ(USER-AGENT)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  trace_id: '%TRACE_ID%',
};

/** The HttpConnectionManager fields the MeshConfig sets. */
export type HcmObservability = Pick<HttpConnectionManager, 'tracing' | 'access_log'>;

export function hcmObservability(mesh: MeshSettings): HcmObservability {
  const fields: HcmObservability = { tracing: { random_sampling: { value: mesh.tracing.sampling } } };
  if (mesh.accessLog.enabled) {
    fields.access_log = [
      {
        name: STDOUT_ACCESS_LOG_NAME,
        typed_config: typedConfig<StdoutAccessLog>(TYPE_URL.stdoutAccessLog, {
          log_format: { json_format: objectToStruct(ACCESS_LOG_FIELDS) },
        }),
      },
    ];
  }
  return fields;
}
