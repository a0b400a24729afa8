import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { traceExportConfig } from './trace-export-config.js';

describe('trace export config', () => {
  const cases: Array<[name: string, env: Record<string, string>, url: string, delayMs: number]> = [
    ['defaults to OTLP/HTTP on localhost:4318 every 5 s', {}, 'http://localhost:4318/v1/traces', 5000],
    [
      'appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318/' },
      'http://jaeger:4318/v1/traces',
      5000,
    ],
    [
      'keeps a base path',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example/otlp' },
      'https://otel.example/otlp/v1/traces',
      5000,
    ],
    [
      'takes OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, over the base',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/traces' },
      'http://b:9999/traces',
      5000,
    ],
    ['reads OTEL_BSP_SCHEDULE_DELAY', { OTEL_BSP_SCHEDULE_DELAY: '50' }, 'http://localhost:4318/v1/traces', 50],
    [
      'treats empty variables as unset',
      { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_BSP_SCHEDULE_DELAY: '' },
      'http://localhost:4318/v1/traces',
      5000,
    ],
  ];
  for (const [name, env, url, delayMs] of cases) {
    it(name, () => assert.deepEqual(traceExportConfig(env), { url, scheduledDelayMs: delayMs }));
  }

  const errors: Array<[env: Record<string, string>, message: RegExp]> = [
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' },
      /OTEL_EXPORTER_OTLP_ENDPOINT="jaeger:4318" must be an http:\/\/ or https:\/\/ URL/,
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' },
      /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="not a url" is not a URL/,
    ],
    [{ OTEL_BSP_SCHEDULE_DELAY: '1.5s' }, /OTEL_BSP_SCHEDULE_DELAY="1.5s" is not a positive whole number/],
  ];
  for (const [env, message] of errors) {
    it(`names the variable in error: ${Object.keys(env)[0]}`, () =>
      assert.throws(() => traceExportConfig(env), message));
  }
});
