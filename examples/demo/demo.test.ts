// `pilotfish demo` (what `npm start` runs) starts the whole mesh, carries traffic through both
// backend instances, and leaves no process behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { OTLP_SPAN_KIND_CLIENT, OTLP_SPAN_KIND_SERVER, startOtlpReceiver } from '../../test/support/otlp-receiver.js';
import { cliPath } from './start-mesh.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, 'demo', ...args],
      { timeout: 60_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('pilotfish demo', { timeout: 90_000 }, () => {
  it('runs a control plane and three apps with sidecars, serves traffic from both backends, exports its traces, and stops every process', async () => {
    const receiver = await startOtlpReceiver();
    let run: Run;
    try {
      run = await runDemo(['--duration', '6'], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    } finally {
      await receiver.close();
    }
    const { code, stdout, stderr } = run;
    const output = `stdout:\n${stdout}\nstderr:\n${stderr}`;
    assert.equal(code, 0, output);

    const pids = new Map(
      [...stdout.matchAll(/^(control-plane|\S+ (?:app|sidecar)) +(\d+) +\S/gm)].map((match) => [
        match[1],
        Number(match[2]),
      ]),
    );
    assert.deepEqual(
      [...pids.keys()].sort(),
      [
        'backend-1 app',
        'backend-1 sidecar',
        'backend-2 app',
        'backend-2 sidecar',
        'control-plane',
        'frontend-1 app',
        'frontend-1 sidecar',
      ],
      output,
    );

    const url = (path: string) => `http://127\\.0\\.0\\.1:\\d+${path}`;
    assert.match(
      stdout,
      new RegExp(`^control-plane +${url('/ready')} +${url('/debug/registry')} +${url('/debug/proxies')}$`, 'm'),
      output,
    );
    for (const sidecar of ['backend-1 sidecar', 'backend-2 sidecar', 'frontend-1 sidecar']) {
      assert.match(
        stdout,
        new RegExp(`^${sidecar} +${url('/ready')} +${url('/config_dump')} +${url('/clusters')}$`, 'm'),
        output,
      );
    }
    assert.match(stdout, /^try: +curl -H 'Host: backend' http:\/\/127\.0\.0\.1:\d+\/hello$/m, output);
    assert.match(stdout, /pilotfish status --control-plane-admin 127\.0\.0\.1:\d+/, output);

    assert.ok(stdout.includes(`the sidecars export spans over OTLP/HTTP to ${receiver.endpoint} `), output);
    assert.match(stdout, /every request sampled \(MeshConfig in examples\/demo\/config\/mesh\.yaml/, output);
    // Each request to the frontend is one trace: its sidecar's server span, the client span of its
    // call to the backend (the app carried the context on), and the backend sidecar's server span.
    const byId = new Map(receiver.spans.map((span) => [span.spanId, span]));
    const backendSpans = receiver.spans.filter(
      (span) => span.service === 'backend.default' && span.kind === OTLP_SPAN_KIND_SERVER,
    );
    assert.ok(backendSpans.length > 0, `backend spans exported\n${output}`);
    for (const backendSpan of backendSpans) {
      const client = byId.get(backendSpan.parentSpanId);
      const frontend = byId.get(client?.parentSpanId ?? '');
      assert.deepEqual(
        [client?.service, client?.kind, frontend?.service, frontend?.kind, frontend?.parentSpanId],
        ['frontend.default', OTLP_SPAN_KIND_CLIENT, 'frontend.default', OTLP_SPAN_KIND_SERVER, ''],
      );
      assert.equal(new Set([backendSpan.traceId, client?.traceId, frontend?.traceId]).size, 1, 'one trace');
    }
    assert.match(stdout, /see them in Jaeger: docker run .*-p 4318:4318 /, output);
    const prometheusConfig = /^metrics: +prometheus --config\.file=(\S+)/m.exec(stdout)?.[1];
    assert.ok(prometheusConfig, `the Prometheus command is printed\n${output}`);
    const config = parse(readFileSync(prometheusConfig, 'utf8')) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const targets = Object.fromEntries(
      config.scrape_configs.map((job) => [job.job_name, job.static_configs.flatMap((group) => group.targets)]),
    );
    const admins = (name: string) =>
      [...stdout.matchAll(new RegExp(`^${name} +http://(127\\.0\\.0\\.1:\\d+)/ready`, 'gm'))].map((match) => match[1]);
    assert.deepEqual(
      targets['pilotfish-control-plane'],
      admins('control-plane'),
      'Prometheus scrapes the demo control plane',
    );
    assert.deepEqual(
      targets['pilotfish-sidecars']?.sort(),
      admins('\\S+ sidecar').sort(),
      "Prometheus scrapes every sidecar's admin",
    );

    const last = [
      ...stdout.matchAll(/^traffic \d+s: (\d+) ok, (\d+) failed; answered by backend-1=(\d+) backend-2=(\d+)/gm),
    ].at(-1);
    assert.ok(last, `a traffic summary counts answers from both backends\n${output}`);
    const [, ok, , fromBackend1, fromBackend2] = last.map(Number);
    assert.ok(ok !== undefined && ok > 0, `requests succeeded\n${output}`);
    assert.ok(fromBackend1 && fromBackend2, `both backend instances answered\n${output}`);

    assert.match(stdout, /^stopped$/m, output);
    for (const [name, pid] of pids) assert.equal(isRunning(pid), false, `${name} (pid ${pid}) is still running`);
  });
});
