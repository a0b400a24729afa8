// Where and how often the sidecar exports spans, from OpenTelemetry's standard environment
// variables, checked once at start: a bad value stops the sidecar with the variable named.
export interface TraceExportConfig {
  /** The OTLP HTTP/protobuf traces URL, e.g. http://127.0.0.1:4318/v1/traces. */
  url: string;
  /** How long a span waits for its batch to be sent (OTEL_BSP_SCHEDULE_DELAY). */
  scheduledDelayMs: number;
}

// The OTLP/HTTP default; Jaeger (all-in-one) takes OTLP on 4318 as it is.
const DEFAULT_ENDPOINT = 'http://localhost:4318';
const DEFAULT_SCHEDULED_DELAY_MS = 5000;

function checkedUrl(value: string, variable: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new Error(`${variable}="${value}" is not a URL: give one like http://127.0.0.1:4318`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${variable}="${value}" must be an http:// or https:// URL (OTLP over HTTP)`);
  return url.href;
}

/**
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the traces URL as given; OTEL_EXPORTER_OTLP_ENDPOINT is a
 * base URL to which /v1/traces is appended (the OTLP exporter specification's rule).
 */
export function traceExportConfig(env: Readonly<Record<string, string | undefined>>): TraceExportConfig {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  let url: string;
  if (traces !== undefined && traces !== '') url = checkedUrl(traces, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  else if (base !== undefined && base !== '')
    url = `${checkedUrl(base, 'OTEL_EXPORTER_OTLP_ENDPOINT').replace(/\/+$/, '')}/v1/traces`;
  else url = `${DEFAULT_ENDPOINT}/v1/traces`;
  const delay = env.OTEL_BSP_SCHEDULE_DELAY;
  let scheduledDelayMs = DEFAULT_SCHEDULED_DELAY_MS;
  if (delay !== undefined && delay !== '') {
    scheduledDelayMs = Number(delay);
    if (!Number.isInteger(scheduledDelayMs) || scheduledDelayMs <= 0)
      throw new Error(`OTEL_BSP_SCHEDULE_DELAY="${delay}" is not a positive whole number of milliseconds`);
  }
  return { url, scheduledDelayMs };
}
