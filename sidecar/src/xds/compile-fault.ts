// Compiles a route's (or virtual host's) fault config (envoy.filters.http.fault in
// typed_per_filter_config): a fixed delay and an HTTP status abort, each for a share of requests.
import type { HTTPFault__Output } from '../../../proto/gen/envoy/extensions/filters/http/fault/v3/HTTPFault.js';
import type { Fault } from '../filters/fault.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { durationMs, perMillion } from './duration.js';

export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
const FAULT_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

const UNSUPPORTED_FAULT: UnsupportedFields = [
  ['upstream_cluster', 'faults for one upstream cluster'],
  ['headers', 'faults for matching headers'],
  ['downstream_nodes', 'faults for downstream nodes'],
  ['max_active_faults', 'max_active_faults'],
  ['response_rate_limit', 'response rate limits'],
];

type TypedConfigs = Record<string, { '@type'?: string; config?: unknown } | undefined>;

/** The route's (or virtual host's) fault config from typed_per_filter_config, if any. */
export function compileFault(
  resource: ResourceRef,
  path: string,
  configs: TypedConfigs | undefined,
): Fault | undefined {
  const config = configs?.[FAULT_FILTER_NAME];
  if (config === undefined) return undefined;
  const faultPath = `${path === '' ? '' : `${path}.`}typed_per_filter_config["${FAULT_FILTER_NAME}"]`;
  if (config['@type'] !== FAULT_TYPE_URL)
    throw configError(resource, faultPath, `expected ${FAULT_TYPE_URL}, got ${config['@type'] ?? 'none'}`);
  const fault = config as HTTPFault__Output;
  rejectUnsupported(resource, faultPath, fault, UNSUPPORTED_FAULT);
  let delayMs = 0;
  let delayPerMillion = 0;
  if (fault.delay !== undefined) {
    if (fault.delay.fault_delay_secifier !== 'fixed_delay' || fault.delay.fixed_delay === undefined)
      throw configError(resource, `${faultPath}.delay`, 'needs fixed_delay (header_delay is not supported)');
    delayMs = durationMs(fault.delay.fixed_delay);
    if (delayMs < 0) throw configError(resource, `${faultPath}.delay.fixed_delay`, 'must not be negative');
    delayPerMillion = fault.delay.percentage === undefined ? 0 : perMillion(fault.delay.percentage);
  }
  let abortStatus = 0;
  let abortPerMillion = 0;
  if (fault.abort !== undefined) {
    if (fault.abort.error_type !== 'http_status')
      throw configError(
        resource,
        `${faultPath}.abort`,
        'needs http_status (grpc_status and header_abort are not supported)',
      );
    abortStatus = fault.abort.http_status ?? 0;
    if (abortStatus < 200 || abortStatus > 599)
      throw configError(resource, `${faultPath}.abort.http_status`, `${abortStatus} is not in 200-599`);
    abortPerMillion = fault.abort.percentage === undefined ? 0 : perMillion(fault.abort.percentage);
  }
  return { delayMs, delayPerMillion, abortStatus, abortPerMillion };
}
