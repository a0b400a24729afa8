// What a proxy listener does with a finished request's record: counts it (Istio's metrics), ends
// its trace span and writes its access log entry when the listener's config asks for one.
import type { ServerResponse } from 'node:http';
import type { AccessLog } from '../telemetry/access-log.js';
import { exchangeOf } from '../telemetry/exchange.js';
import { recordRequest, type LocalService } from '../telemetry/record-request.js';
import type { RequestMetrics } from '../telemetry/request-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';

export interface ListenerTelemetry {
  metrics: RequestMetrics | undefined;
  local: LocalService;
  accessLog: AccessLog;
  tracing?: Tracing;
}

/** Reports the request `res` answered, once its response has closed. */
export function reportFinishedRequest(
  telemetry: ListenerTelemetry,
  listener: 'inbound' | 'outbound',
  res: ServerResponse,
): void {
  const exchange = exchangeOf(res);
  if (exchange === undefined) return;
  const now = performance.now();
  if (telemetry.metrics !== undefined) recordRequest(telemetry.metrics, listener, telemetry.local, res, exchange, now);
  telemetry.tracing?.endSpan(exchange, res, listener);
  if (exchange.accessLog !== undefined)
    telemetry.accessLog.write(exchange.accessLog, { res, exchange, durationMs: now - exchange.startedAt });
}
