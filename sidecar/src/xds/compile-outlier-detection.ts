// Checks a cluster's outlier_detection: consecutive 5xx and gateway failure detectors, ejection
// times and limits; other detectors may be present only switched off.
import type { OutlierDetection__Output } from '../../../proto/gen/envoy/config/cluster/v3/OutlierDetection.js';
import { DEFAULT_OUTLIER_DETECTION, type OutlierDetectionConfig } from '../cluster/outlier-detector.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { durationMs } from './duration.js';

const UNSUPPORTED_OUTLIER_DETECTION: UnsupportedFields = [
  ['success_rate_minimum_hosts', 'success rate outlier detection'],
  ['success_rate_request_volume', 'success rate outlier detection'],
  ['success_rate_stdev_factor', 'success rate outlier detection'],
  ['failure_percentage_threshold', 'failure percentage outlier detection'],
  ['failure_percentage_minimum_hosts', 'failure percentage outlier detection'],
  ['failure_percentage_request_volume', 'failure percentage outlier detection'],
  ['split_external_local_origin_errors', 'local origin errors counted apart'],
  ['consecutive_local_origin_failure', 'local origin errors counted apart'],
  ['max_ejection_time_jitter', 'ejection time jitter'],
  ['monitors', 'outlier monitors'],
];
// Detectors this sidecar does not have may be present only to switch them off (Istio sends 0).
const ENFORCING_ZERO_ONLY = [
  'enforcing_success_rate',
  'enforcing_failure_percentage',
  'enforcing_failure_percentage_local_origin',
  'enforcing_consecutive_local_origin_failure',
  'enforcing_local_origin_success_rate',
] as const;

export function checkOutlierDetection(
  resource: ResourceRef,
  outlier: OutlierDetection__Output,
): OutlierDetectionConfig {
  const base = 'outlier_detection';
  rejectUnsupported(resource, base, outlier, UNSUPPORTED_OUTLIER_DETECTION);
  for (const field of ENFORCING_ZERO_ONLY) {
    const wrapper = outlier[field];
    if (wrapper !== undefined && (wrapper.value ?? 0) !== 0)
      throw configError(
        resource,
        `${base}.${field}`,
        'not supported by this sidecar yet (only 0: the detector is not implemented)',
      );
  }
  const defaults = DEFAULT_OUTLIER_DETECTION;
  const count = (field: 'consecutive_5xx' | 'consecutive_gateway_failure', fallback: number): number => {
    const value = outlier[field] === undefined ? fallback : (outlier[field]?.value ?? 0);
    if (value < 1) throw configError(resource, `${base}.${field}`, 'must be at least 1');
    return value;
  };
  const percent = (
    field: 'enforcing_consecutive_5xx' | 'enforcing_consecutive_gateway_failure' | 'max_ejection_percent',
    fallback: number,
  ): number => {
    const value = outlier[field] === undefined ? fallback : (outlier[field]?.value ?? 0);
    if (value > 100) throw configError(resource, `${base}.${field}`, `${value} is above 100 (a percentage)`);
    return value;
  };
  const duration = (field: 'interval' | 'base_ejection_time' | 'max_ejection_time', fallback: number): number => {
    const value = outlier[field] === undefined ? fallback : durationMs(outlier[field]);
    if (!(value > 0)) throw configError(resource, `${base}.${field}`, 'must be positive');
    return value;
  };
  const baseEjectionTimeMs = duration('base_ejection_time', defaults.baseEjectionTimeMs);
  return {
    consecutive5xx: count('consecutive_5xx', defaults.consecutive5xx),
    consecutiveGatewayFailure: count('consecutive_gateway_failure', defaults.consecutiveGatewayFailure),
    enforcingConsecutive5xx: percent('enforcing_consecutive_5xx', defaults.enforcingConsecutive5xx),
    enforcingConsecutiveGatewayFailure: percent(
      'enforcing_consecutive_gateway_failure',
      defaults.enforcingConsecutiveGatewayFailure,
    ),
    intervalMs: duration('interval', defaults.intervalMs),
    baseEjectionTimeMs,
    // Unset: 300 s, or base_ejection_time when that is longer (outlier_detection.proto).
    maxEjectionTimeMs:
      outlier.max_ejection_time === undefined
        ? Math.max(defaults.maxEjectionTimeMs, baseEjectionTimeMs)
        : duration('max_ejection_time', 0),
    maxEjectionPercent: percent('max_ejection_percent', defaults.maxEjectionPercent),
    alwaysEjectOneHost: outlier.always_eject_one_host?.value === true,
    healthCheckUnejects:
      outlier.successful_active_health_check_uneject_host === undefined ||
      outlier.successful_active_health_check_uneject_host.value === true,
  };
}
