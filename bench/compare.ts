// `node dist/bench/compare.js BASELINE_ROOT [ROUNDS]`: this checkout's sidecar against a built
// baseline checkout's (another commit, its `npm run build` done), in the same run, interleaved
// round by round with node-http-proxy: CPU per request, added latency and idle RSS of one sidecar
// hop, of the mesh path, and of the mesh path with every feature on (access log, metrics, tracing,
// policies), as ratios that hold on a shared machine. Writes bench/COMPARE.md (COMPARE-node24.md
// on Node.js 24, and so on: each Node.js line its own file).
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../proto/paths.js';
import { measureOpenLoop } from './measure/open-loop-cpu.js';
import { totalRssMb } from './measure/proc-stat.js';
import { spread } from './report/stats.js';
import { FEATURES, startFeatureMeshTarget } from './targets/feature-mesh.js';
import { startMeshTargets, type MeshTargets } from './targets/mesh.js';
import { directTarget, nodeHttpProxyTarget, startOtlpSink, startUpstream } from './targets/peers.js';
import type { Target } from './targets/target.js';

const [baselineRoot, roundsArg = '3'] = process.argv.slice(2);
if (baselineRoot === undefined) throw new Error('usage: node dist/bench/compare.js BASELINE_ROOT [ROUNDS]');
const rounds = Number(roundsArg);
const RATE = 1000;
const SECONDS = 4;
const WARMUP_SECONDS = 1;

const baseline = (await import(join(baselineRoot, 'dist', 'bench', 'targets', 'mesh.js'))) as {
  startMeshTargets: typeof startMeshTargets;
};
const baselineFeatures = (await import(join(baselineRoot, 'dist', 'bench', 'targets', 'feature-mesh.js'))) as {
  startFeatureMeshTarget: typeof startFeatureMeshTarget;
};
const ALL_ON = new Set(FEATURES);
const nodeMajor = process.versions.node.split('.', 1)[0] as string;
const outputName = nodeMajor === '20' ? 'COMPARE.md' : `COMPARE-node${nodeMajor}.md`;
const loadBefore = loadavg()[0] as number;
const upstream = await startUpstream(100);
const sink = await startOtlpSink();
const env = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint };
const meshes: MeshTargets[] = [];
const featureMeshes: Target[] = [];
const named = (mesh: MeshTargets, suffix: string): Target[] =>
  mesh.targets.map((target) => ({ ...target, name: `${target.name}, ${suffix}` }));
try {
  meshes.push(await baseline.startMeshTargets(upstream, env));
  meshes.push(await startMeshTargets(upstream, env));
  featureMeshes.push(
    await baselineFeatures.startFeatureMeshTarget(upstream, 'mesh, every feature on, before', ALL_ON, env),
    await startFeatureMeshTarget(upstream, 'mesh, every feature on, after', ALL_ON, env),
  );
  const nodeProxy = await nodeHttpProxyTarget(upstream);
  const targets = [
    directTarget(upstream),
    ...named(meshes[0] as MeshTargets, 'before'),
    ...named(meshes[1] as MeshTargets, 'after'),
    ...featureMeshes,
    nodeProxy,
  ];
  const figures = targets.map((target) => ({
    name: target.name,
    rssIdleMb: totalRssMb(target.proxyPids()),
    cpu: [] as number[],
    p50: [] as number[],
    p99: [] as number[],
  }));
  for (let round = 1; round <= rounds; round++) {
    const direct = await measureOpenLoop(targets[0] as Target, RATE, SECONDS, WARMUP_SECONDS);
    for (const [index, target] of targets.entries()) {
      if (index === 0) continue;
      const load = await measureOpenLoop(target, RATE, SECONDS, WARMUP_SECONDS);
      const figure = figures[index] as (typeof figures)[number];
      figure.cpu.push(load.cpuUsPerRequest);
      figure.p50.push((load.latency.p50Us - direct.latency.p50Us) / 1000);
      figure.p99.push((load.latency.p99Us - direct.latency.p99Us) / 1000);
      console.log(`round ${round} ${target.name}: ${load.cpuUsPerRequest.toFixed(1)} µs CPU/request`);
    }
  }
  await nodeProxy.stop();
  const median = (values: number[]) => spread(values).median;
  const nodeProxyCpu = median((figures.at(-1) as (typeof figures)[number]).cpu);
  const lines = [
    '# Before and after, in the same run',
    '',
    `Written by \`node dist/bench/compare.js ${baselineRoot} ${rounds}\` (bench/compare.ts); ${new Date().toISOString()}, Node ${process.version}, load average ${loadBefore.toFixed(1)} at the start and ${(loadavg()[0] as number).toFixed(1)} at the end: absolute figures move with the machine's load, ratios in the same round are what to compare. Open loop at ${RATE} req/s for ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up, ${rounds} rounds interleaved, 100-byte responses, every sidecar with its defaults (Istio metrics, tracing at 1% exported to a local sink) but "every feature on", which adds the access log and policies (bench/targets/feature-mesh.ts). "before" is the sidecar built at ${baselineRoot}.`,
    '',
    '| target | CPU µs/request | × node-http-proxy | +p50 ms | +p99 ms | RSS idle MB |',
    '|---|---|---|---|---|---|',
    ...figures
      .slice(1)
      .map(
        (figure) =>
          `| ${figure.name} | ${median(figure.cpu).toFixed(1)} | ${(median(figure.cpu) / nodeProxyCpu).toFixed(2)} | ${median(figure.p50).toFixed(3)} | ${median(figure.p99).toFixed(3)} | ${figure.rssIdleMb.toFixed(1)} |`,
      ),
    '',
  ];
  writeFileSync(join(packageRoot, 'bench', outputName), lines.join('\n'));
  console.log(lines.join('\n'));
} finally {
  for (const mesh of meshes) await mesh.stop();
  for (const mesh of featureMeshes) await mesh.stop();
  await sink.stop();
  await upstream.stop();
}
