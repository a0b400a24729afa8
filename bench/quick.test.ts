// The benchmark harness works: `bench --quick` measures every target it can start and the
// control plane, and writes the figures, the report and the charts. It asserts that figures
// were produced, never that one beats a threshold (that is what RESULTS.md is for).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../proto/paths.js';
import type { FleetResult } from './control-plane/fleet.js';
import type { DataPlaneResult } from './data-plane.js';
import { GRPC_DIRECT, GRPC_MESH, GRPC_PEER } from './grpc-targets.js';
import type { GrpcBenchResult } from './grpc-unary.js';

describe('bench --quick', () => {
  it('measures every available target and the control plane, and writes RESULTS.md with charts', async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'pilotfish-bench-test-'));
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(
        process.execPath,
        [join(packageRoot, 'dist', 'bench', 'run.js'), '--quick', '--out', out],
        { timeout: 420_000 },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, output: `${stdout}\n${stderr}` }),
      ),
    );
    assert.equal(code, 0, output);
    const run = JSON.parse(readFileSync(join(out, 'results', 'quick.json'), 'utf8')) as {
      dataPlane: DataPlaneResult[];
      grpc: GrpcBenchResult;
      fleet: FleetResult;
    };
    const [dataPlane] = run.dataPlane;
    assert.ok(dataPlane);
    for (const skipped of dataPlane.skipped) t.diagnostic(`peer skipped: ${skipped.name}: ${skipped.reason}`);
    const names = dataPlane.targets.map((target) => target.name);
    for (const required of [
      'direct',
      'sidecar hop',
      'mesh (2 sidecars)',
      'mesh + policies',
      'mesh, tracing 100%',
      'node-http-proxy',
    ])
      assert.ok(names.includes(required), `${required} was measured`);
    const traced = dataPlane.targets.find((target) => target.name === 'mesh, tracing 100%');
    assert.ok(
      traced?.spans !== undefined && traced.spans.exported > 0,
      `the traced mesh exported its spans: ${JSON.stringify(traced?.spans)}`,
    );
    for (const peer of ['nginx', 'haproxy']) {
      assert.ok(
        names.includes(peer) || dataPlane.skipped.some((skipped) => skipped.name === peer),
        `${peer} was measured or its skip explained`,
      );
    }
    for (const target of dataPlane.targets) {
      for (const round of target.rounds) {
        assert.ok(round.saturationRps > 0, `${target.name} answered wrk`);
        assert.equal(round.latency.errors, 0, `${target.name} answered every open-loop request`);
        assert.ok(
          Number.isFinite(round.latency.p99Us) && round.latency.p99Us > 0,
          `${target.name} has latency figures`,
        );
      }
    }
    const grpcNames = run.grpc.targets.map((target) => target.name);
    for (const skipped of run.grpc.skipped) t.diagnostic(`gRPC peer skipped: ${skipped.name}: ${skipped.reason}`);
    assert.deepEqual(
      grpcNames,
      [GRPC_DIRECT, GRPC_PEER, GRPC_MESH].filter((name) => !run.grpc.skipped.some((skipped) => skipped.name === name)),
    );
    for (const target of run.grpc.targets) {
      for (const round of target.rounds) {
        assert.ok(round.callsPerSecond > 0, `gRPC ${target.name} answered calls`);
        assert.equal(round.errors, 0, `gRPC ${target.name} answered every call`);
      }
    }
    assert.ok(run.fleet.convergenceMs.samples > 0, 'the fleet saw changes arrive');
    assert.ok(run.fleet.burst.pushesPerClientMedian >= 1, 'the burst reached the fleet');
    const markdown = readFileSync(join(out, 'RESULTS.md'), 'utf8');
    assert.match(markdown, /Command: `npm run bench -- --quick --out /);
    assert.match(
      markdown,
      /Machine: \d+ cores, .+, Node v\d+.*; load average \d+\.\d at the start, \d+\.\d at the end\./,
    );
    assert.match(markdown, /\| sidecar hop \| \d+ \(/);
    assert.match(markdown, /Tracing every request \(mesh, tracing 100%\) against the default 1%/);
    assert.match(markdown, /\| mesh, tracing 100% \| \d+ \| \d+ \| \d+ \|/);
    assert.match(markdown, /## What each feature costs/);
    for (const variant of ['every feature on', 'every feature off'])
      assert.match(markdown, new RegExp(`\\| ${variant} \\| \\d+\\.\\d \\(`), `${variant} was measured`);
    assert.match(markdown, /\| memory per mesh endpoint \| -?\d+\.\d+ KB \|/);
    assert.match(markdown, /## gRPC unary/);
    assert.match(markdown, /## gRPC unary[\s\S]*?\| mesh \(2 sidecars\) \| \d+ \(/);
    if (grpcNames.includes(GRPC_PEER))
      assert.match(
        markdown,
        /## gRPC unary[\s\S]*?\| mesh \(2 sidecars\) \| .* \| \d+\.\d\d× \|\n/,
        "the mesh's CPU is set against the node:http2 pair's",
      );
    assert.match(markdown, /## Control plane/);
    for (const chart of ['latency.svg', 'cpu.svg', 'throughput.svg']) {
      assert.ok(existsSync(join(out, 'results', chart)), `${chart} written`);
      assert.match(readFileSync(join(out, 'results', chart), 'utf8'), /^<svg [^>]*>[\s\S]*<rect[\s\S]*<\/svg>\n$/);
    }
  });
});
