// deploy/compose.yaml (the demo mesh with Jaeger, Prometheus and Grafana), checked without a Docker
// engine: dclint validates it against the Compose specification, every file it mounts exists, and
// its Prometheus scrapes the ports the demo it starts listens on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { layoutOn, MESH_PORT_COUNT } from '../../examples/demo/mesh-layout.js';
import { writePrometheusConfig } from '../../examples/demo/prometheus-config.js';
import { packageRoot } from '../../proto/paths.js';

const deployDir = join(packageRoot, 'deploy');
const composeFile = join(deployDir, 'compose.yaml');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}
const compose = parse(readFileSync(composeFile, 'utf8')) as { services: Record<string, ComposeService> };

interface PrometheusConfig {
  global: unknown;
  rule_files: string[];
  scrape_configs: Array<{ job_name: string; metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
}
const readPrometheusConfig = (path: string) => parse(readFileSync(path, 'utf8')) as PrometheusConfig;

/** The file in deploy/ that a bind mount shows at `containerPath`, or undefined. */
function hostPathOf(containerPath: string, mounts: readonly string[]): string | undefined {
  for (const mount of mounts) {
    const [host, target] = mount.split(':') as [string, string];
    if (containerPath === target || containerPath.startsWith(`${target}/`))
      return join(resolve(deployDir, host), containerPath.slice(target.length));
  }
  return undefined;
}

function dclint(file: string): Promise<{ code: number; output: string }> {
  const bin = join(dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'bin', 'dclint.cjs');
  return new Promise((done) =>
    execFile(process.execPath, [bin, file], { timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
}

describe('deploy/compose.yaml', () => {
  it('is a valid Compose file that follows dclint rules', async () => {
    const { code, output } = await dclint(composeFile);
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, /warning|error/i, output);
  });

  it('runs the demo mesh built from deploy/Dockerfile beside Jaeger, Prometheus and Grafana, with pinned images', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['demo', 'grafana', 'jaeger', 'prometheus']);
    const demo = compose.services.demo as ComposeService;
    assert.ok(
      existsSync(join(resolve(deployDir, demo.build?.context ?? ''), demo.build?.dockerfile ?? '')),
      'the demo is built from a Dockerfile that exists',
    );
    assert.equal(demo.command?.[0], 'demo');
    assert.equal(
      demo.environment?.OTEL_EXPORTER_OTLP_ENDPOINT,
      'http://127.0.0.1:4318',
      "the sidecars export to Jaeger's OTLP/HTTP port",
    );
    for (const [name, service] of Object.entries(compose.services)) {
      if (name !== 'demo') assert.match(service.image ?? '', /:v?\d+\.\d+\.\d+$/, `${name} pins its image version`);
    }
  });

  it('mounts only files and folders that exist in deploy/', () => {
    const mounts = Object.values(compose.services).flatMap((service) => service.volumes ?? []);
    assert.ok(mounts.length > 0);
    for (const mount of mounts) {
      const hostPath = mount.split(':')[0] as string;
      assert.ok(existsSync(resolve(deployDir, hostPath)), `${mount}: ${hostPath} exists`);
    }
  });

  it("points Prometheus at the demo's control plane and sidecars: deploy/prometheus/prometheus.yml with the demo's ports", () => {
    const demoArgs = compose.services.demo?.command ?? [];
    const basePort = Number(demoArgs[demoArgs.indexOf('--base-port') + 1]);
    assert.ok(Number.isInteger(basePort) && basePort > 0, `the demo runs with --base-port (${demoArgs.join(' ')})`);
    const layout = layoutOn(Array.from({ length: MESH_PORT_COUNT }, (_, index) => basePort + index));
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-compose-'));
    try {
      const expected = readPrometheusConfig(writePrometheusConfig(layout, dir));
      const prometheus = compose.services.prometheus as ComposeService;
      const configInContainer = prometheus.command
        ?.find((arg) => arg.startsWith('--config.file='))
        ?.slice('--config.file='.length);
      const configMount = prometheus.volumes?.find((mount) => mount.split(':')[1] === configInContainer);
      assert.ok(configMount, `Prometheus's --config.file ${configInContainer} is mounted from deploy/`);
      const actual = readPrometheusConfig(resolve(deployDir, configMount.split(':')[0] as string));
      assert.deepEqual(actual.scrape_configs, expected.scrape_configs);
      assert.deepEqual(actual.global, expected.global);
      // Each rule file, resolved in the container as Prometheus does (beside the config), is one of deploy/'s.
      const hostRuleFiles = actual.rule_files.map((file) =>
        hostPathOf(posix.resolve(posix.dirname(configInContainer ?? ''), file), prometheus.volumes ?? []),
      );
      assert.deepEqual(hostRuleFiles, expected.rule_files);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
