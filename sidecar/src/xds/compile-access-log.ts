// Checks an HttpConnectionManager's access_log: this sidecar writes Envoy's stdout access log with
// a JSON format of command operators, unfiltered. Yields the format compiled into
// its line builder (telemetry/access-log-line.ts).
import type { AccessLog__Output } from '../../../proto/gen/envoy/config/accesslog/v3/AccessLog.js';
import type { StdoutAccessLog__Output } from '../../../proto/gen/envoy/extensions/access_loggers/stream/v3/StdoutAccessLog.js';
import { structToObject, TYPE_URL } from '../../../proto/xds.js';
import { accessLogOperator, OPERATOR_NAMES } from '../telemetry/access-log-operators.js';
import { accessLogFormat, type AccessLogField } from '../telemetry/access-log-line.js';
import type { AccessLogFormat } from '../telemetry/exchange.js';
import { configError, type ResourceRef } from './compile-errors.js';

export const STDOUT_ACCESS_LOG_NAME = 'envoy.access_loggers.stdout';

export function compileAccessLog(
  resource: ResourceRef,
  path: string,
  accessLogs: readonly AccessLog__Output[],
): AccessLogFormat | undefined {
  if (accessLogs.length === 0) return undefined;
  if (accessLogs.length > 1) throw configError(resource, path, `expected one access log, got ${accessLogs.length}`);
  const accessLog = accessLogs[0] as AccessLog__Output;
  if (accessLog.filter != null)
    throw configError(resource, `${path}[0].filter`, 'access log filters are not supported by this sidecar yet');
  const config = accessLog.typed_config as (StdoutAccessLog__Output & { '@type'?: string }) | undefined;
  if (config?.['@type'] !== TYPE_URL.stdoutAccessLog) {
    throw configError(
      resource,
      `${path}[0].typed_config`,
      `only ${TYPE_URL.stdoutAccessLog} (${STDOUT_ACCESS_LOG_NAME}) is supported, got ${config?.['@type'] ?? 'none'}`,
    );
  }
  const formatPath = `${path}[0].typed_config.log_format`;
  const jsonFormat = config.log_format?.json_format;
  if (jsonFormat == null) throw configError(resource, formatPath, 'only json_format is supported');
  const fields: AccessLogField[] = [];
  for (const [key, value] of Object.entries(structToObject(jsonFormat))) {
    if (typeof value !== 'string')
      throw configError(resource, `${formatPath}.json_format.${key}`, 'must be a string: text or one %OPERATOR%');
    if (!value.includes('%')) {
      fields.push([key, value]);
      continue;
    }
    const operator = accessLogOperator(value);
    if (operator === undefined)
      throw configError(
        resource,
        `${formatPath}.json_format.${key}`,
        `"${value}" is not an operator this sidecar knows (${OPERATOR_NAMES.join(', ')}), written alone as %NAME%`,
      );
    fields.push([key, operator]);
  }
  return accessLogFormat(fields);
}
