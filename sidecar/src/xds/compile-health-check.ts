// Checks a cluster's active health check (health_checks): one HTTP or gRPC check, its timing and
// thresholds, and the statuses an HTTP check accepts.
import type { HealthCheck__Output } from '../../../proto/gen/envoy/config/core/v3/HealthCheck.js';
import type { Int64Range__Output } from '../../../proto/gen/envoy/type/v3/Int64Range.js';
import { DEFAULT_EXPECTED_STATUSES, type HealthCheckConfig, type StatusRange } from '../cluster/health-checker.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { durationMs } from './duration.js';

const UNSUPPORTED_HEALTH_CHECK: UnsupportedFields = [
  ['tcp_health_check', 'TCP health checks'],
  ['custom_health_check', 'custom health checks'],
  ['alt_port', 'health checks on another port'],
  ['interval_jitter', 'health check jitter'],
  ['interval_jitter_percent', 'health check jitter'],
  ['initial_jitter', 'health check jitter'],
  ['unhealthy_interval', 'per-state health check intervals'],
  ['unhealthy_edge_interval', 'per-state health check intervals'],
  ['healthy_edge_interval', 'per-state health check intervals'],
  ['no_traffic_healthy_interval', 'per-state health check intervals'],
  ['event_log_path', 'health check event logs'],
  ['event_logger', 'health check event logs'],
  ['event_service', 'health check event logs'],
  ['tls_options', 'TLS health checks'],
  ['transport_socket_match_criteria', 'TLS health checks'],
];
const UNSUPPORTED_HTTP_HEALTH_CHECK: UnsupportedFields = [
  ['send', 'health check payloads'],
  ['receive', 'health check payloads'],
  ['request_headers_to_add', 'health check request headers'],
  ['request_headers_to_remove', 'health check request headers'],
  ['service_name_matcher', 'service_name_matcher'],
];

export function checkHealthChecks(
  resource: ResourceRef,
  clusterName: string,
  checks: HealthCheck__Output[],
): HealthCheckConfig | undefined {
  if (checks.length === 0) return undefined;
  if (checks.length > 1)
    throw configError(
      resource,
      'health_checks',
      `${checks.length} health checks: only one is supported by this sidecar yet`,
    );
  const check = checks[0] as HealthCheck__Output;
  const path = 'health_checks[0]';
  rejectUnsupported(resource, path, check, UNSUPPORTED_HEALTH_CHECK);
  const timing = {
    intervalMs: healthCheckDuration(resource, path, check, 'interval'),
    timeoutMs: healthCheckDuration(resource, path, check, 'timeout'),
    healthyThreshold: healthCheckThreshold(resource, path, check, 'healthy_threshold'),
    unhealthyThreshold: healthCheckThreshold(resource, path, check, 'unhealthy_threshold'),
  };
  const grpc = check.grpc_health_check;
  if (grpc !== undefined) {
    const grpcPath = `${path}.grpc_health_check`;
    if ((grpc.initial_metadata ?? []).length > 0)
      throw configError(
        resource,
        `${grpcPath}.initial_metadata`,
        'not supported by this sidecar yet (initial metadata)',
      );
    return {
      ...timing,
      path: '',
      grpc: { serviceName: grpc.service_name ?? '' },
      authority: grpc.authority || clusterName,
      expectedStatuses: DEFAULT_EXPECTED_STATUSES,
      retriableStatuses: [],
    };
  }
  const http = check.http_health_check;
  if (http === undefined) throw configError(resource, path, 'needs http_health_check or grpc_health_check');
  const httpPath = `${path}.http_health_check`;
  rejectUnsupported(resource, httpPath, http, UNSUPPORTED_HTTP_HEALTH_CHECK);
  if ((http.codec_client_type ?? 'HTTP1') !== 'HTTP1')
    throw configError(
      resource,
      `${httpPath}.codec_client_type`,
      `${http.codec_client_type} is not supported by this sidecar yet (HTTP1)`,
    );
  if ((http.method ?? 'METHOD_UNSPECIFIED') !== 'METHOD_UNSPECIFIED' && http.method !== 'GET')
    throw configError(resource, `${httpPath}.method`, `${http.method} is not supported by this sidecar yet (GET)`);
  if (!http.path?.startsWith('/')) throw configError(resource, `${httpPath}.path`, 'is required and must start with /');
  const ranges = (field: 'expected_statuses' | 'retriable_statuses'): StatusRange[] =>
    (http[field] ?? []).map((range: Int64Range__Output, index) => {
      const [start, end] = [Number(range.start ?? 0), Number(range.end ?? 0)];
      if (!(start >= 100 && end <= 600 && start < end))
        throw configError(
          resource,
          `${httpPath}.${field}[${index}]`,
          `[${start}, ${end}) must be a non-empty range within [100, 600)`,
        );
      return [start, end] as const;
    });
  const expected = ranges('expected_statuses');
  return {
    ...timing,
    path: http.path,
    grpc: undefined,
    authority: http.host || clusterName,
    expectedStatuses: expected.length > 0 ? expected : DEFAULT_EXPECTED_STATUSES,
    retriableStatuses: ranges('retriable_statuses'),
  };
}

function healthCheckDuration(
  resource: ResourceRef,
  path: string,
  check: HealthCheck__Output,
  field: 'interval' | 'timeout',
): number {
  const value = check[field];
  if (value === undefined) throw configError(resource, `${path}.${field}`, 'is required');
  const ms = durationMs(value);
  if (!(ms > 0)) throw configError(resource, `${path}.${field}`, 'must be positive');
  return ms;
}

function healthCheckThreshold(
  resource: ResourceRef,
  path: string,
  check: HealthCheck__Output,
  field: 'healthy_threshold' | 'unhealthy_threshold',
): number {
  const value = check[field];
  if (value === undefined) throw configError(resource, `${path}.${field}`, 'is required');
  if (!((value.value ?? 0) >= 1)) throw configError(resource, `${path}.${field}`, 'must be at least 1');
  return value.value as number;
}
