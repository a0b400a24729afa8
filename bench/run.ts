// `npm run bench [-- --quick] [-- --profile] [-- --out DIR]`: the data-plane and control-plane
// benchmarks; raw figures to results/*.json, the report to RESULTS.md with SVG charts. Each
// Node.js line writes its own report: bench/ on Node.js 20, bench/node24/ on 24 (and so on).
import { Command } from 'commander';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../proto/paths.js';
import { runFleet, type FleetOptions, type FleetResult } from './control-plane/fleet.js';
import { envAssignments, IMAGE_ENV } from '../cli/image-env.js';
import { runDataPlane, type DataPlaneOptions, type DataPlaneResult } from './data-plane.js';
import { runFeatureCost, type FeatureCostOptions } from './feature-cost.js';
import { runGrpcBench, type GrpcBenchOptions } from './grpc-unary.js';
import { runSidecarEndpoints, SIDECAR_ENDPOINTS_PLAN, type SidecarEndpointsOptions } from './sidecar-endpoints.js';
import { topSelfTime } from './measure/cpu-profile.js';
import { renderMarkdown } from './report/markdown.js';
import { spread } from './report/stats.js';
import { renderBarChart } from './report/svg-chart.js';

const nodeMajor = process.versions.node.split('.', 1)[0] as string;
const program = new Command('bench')
  .option('--quick', 'a short smoke run (under a minute) that proves the harness works')
  .option('--profile', 'run the sidecars under node --cpu-prof and report where their CPU goes')
  .option(
    '--out <dir>',
    'where RESULTS.md and results/ go',
    join(packageRoot, 'bench', ...(nodeMajor === '20' ? [] : [`node${nodeMajor}`])),
  )
  .parse();
const options = program.opts<{ quick?: boolean; profile?: boolean; out: string }>();
const log = (line: string) => console.log(line);
// The 1-minute load average at the start and the end: the machine is shared, so say how busy it was.
const loadStart = loadavg()[0] as number;

const dataPlanePlans: DataPlaneOptions[] = options.quick
  ? [
      {
        bodyBytes: 100,
        rounds: 1,
        saturationSeconds: 1,
        latencySeconds: 0.5,
        warmupSeconds: 0.25,
        rate: 200,
        connections: 16,
      },
    ]
  : [
      {
        bodyBytes: 100,
        rounds: 5,
        saturationSeconds: 4,
        latencySeconds: 5,
        warmupSeconds: 1,
        rate: 1000,
        connections: 32,
      },
      {
        bodyBytes: 1024,
        rounds: 5,
        saturationSeconds: 3,
        latencySeconds: 3,
        warmupSeconds: 1,
        rate: 1000,
        connections: 32,
      },
    ];
const featureCostPlan: FeatureCostOptions = options.quick
  ? { bodyBytes: 100, rounds: 1, rate: 200, seconds: 0.5, warmupSeconds: 0.25, eachFeature: false }
  : { bodyBytes: 100, rounds: 5, rate: 1000, seconds: 5, warmupSeconds: 1, eachFeature: true };
const sidecarEndpointsPlan: SidecarEndpointsOptions = options.quick
  ? { services: 20, endpoints: 200, settleMs: 500 }
  : SIDECAR_ENDPOINTS_PLAN;
const fleetPlan: FleetOptions = options.quick
  ? { clients: 50, services: 50, endpoints: 200, watchedPerClient: 4, changes: 3, burst: 100 }
  : { clients: 1000, services: 1000, endpoints: 10_000, watchedPerClient: 9, changes: 10, burst: 1000 };

const grpcPlan: GrpcBenchOptions = options.quick
  ? { rounds: 1, seconds: 1, warmupSeconds: 0.5, concurrency: 8 }
  : { rounds: 3, seconds: 4, warmupSeconds: 1, concurrency: 16 };

const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'pilotfish-profile-')) : undefined;

const dataPlane: DataPlaneResult[] = [];
for (const plan of dataPlanePlans) {
  log(`\ndata plane, ${plan.bodyBytes}-byte responses, ${plan.rounds} rounds`);
  dataPlane.push(await runDataPlane(plan, log, profileDir));
}
log('\nper-feature cost');
const featureCost = await runFeatureCost(featureCostPlan, log);
log('\nsidecar memory per endpoint');
const sidecarEndpoints = await runSidecarEndpoints(sidecarEndpointsPlan, log);
const sidecarEndpointsTuned = options.quick
  ? undefined
  : await runSidecarEndpoints({ ...sidecarEndpointsPlan, env: IMAGE_ENV }, log);
log('\ngRPC unary');
const grpc = await runGrpcBench(grpcPlan, log);
log('\ncontrol plane fleet');
const fleet = await runFleet(fleetPlan, log);
// The quick run proves the harness works: the fleet once is enough.
const fleetTuned = options.quick ? undefined : await fleetWithImageSettings();

async function fleetWithImageSettings(): Promise<FleetResult> {
  log(`\ncontrol plane fleet again, with ${envAssignments(IMAGE_ENV).join(' ')} (deploy/Dockerfile's settings)`);
  return runFleet({ ...fleetPlan, env: IMAGE_ENV }, log);
}

const resultsDir = join(options.out, 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString();
const profile = profileDir ? topSelfTime(profileDir) : undefined;
const figures = { dataPlane, featureCost, sidecarEndpoints, sidecarEndpointsTuned, grpc, fleet, fleetTuned, profile };
const run = { date: stamp, quick: Boolean(options.quick), ...figures };
writeFileSync(join(resultsDir, options.quick ? 'quick.json' : 'latest.json'), `${JSON.stringify(run, null, 2)}\n`);

const main = dataPlane[0] as DataPlaneResult;
const nonDirect = main.targets.filter((target) => target.name !== 'direct');
const charts = {
  'latency.svg': renderBarChart({
    title: `Latency at ${main.options.rate} req/s, open loop (${main.options.bodyBytes}-byte responses, median of rounds)`,
    unit: 'ms',
    series: ['p50', 'p90', 'p99'],
    groups: main.targets.map((target) => ({
      label: target.name,
      values: (['p50Us', 'p90Us', 'p99Us'] as const).map(
        (key) => spread(target.rounds.map((round) => round.latency[key])).median / 1000,
      ),
    })),
  }),
  'cpu.svg': renderBarChart({
    title: 'Proxy CPU per 1,000 requests (median of rounds)',
    unit: 'ms',
    series: ['CPU ms per 1,000 requests'],
    groups: nonDirect.map((target) => ({
      label: target.name,
      values: [spread(target.rounds.map((round) => round.cpuUsPerRequest)).median],
    })),
  }),
  'throughput.svg': renderBarChart({
    title: `Saturation throughput, wrk ${main.options.connections} connections (median of rounds)`,
    unit: 'req/s',
    series: ['requests per second'],
    groups: main.targets.map((target) => ({
      label: target.name,
      values: [spread(target.rounds.map((round) => round.saturationRps)).median],
    })),
  }),
};
for (const [name, svg] of Object.entries(charts)) writeFileSync(join(resultsDir, name), svg);

const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
const markdown = renderMarkdown({
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  machine: {
    cores: cpus().length,
    cpuModel,
    node: process.version,
    date: stamp,
    loadAverage: [loadStart, loadavg()[0] as number],
  },
  ...figures,
  charts: Object.keys(charts),
});
writeFileSync(join(options.out, 'RESULTS.md'), markdown);
log(`\nwrote ${join(options.out, 'RESULTS.md')} and ${resultsDir}/`);

const silent = [
  ...dataPlane.flatMap((result) =>
    result.targets.filter((target) =>
      target.rounds.some((round) => round.saturationRps <= 0 || round.latency.requests === 0),
    ),
  ),
  ...grpc.targets
    .filter((target) => target.rounds.some((round) => round.callsPerSecond <= 0 || round.errors > 0))
    .map((target) => ({ name: `gRPC ${target.name}` })),
];
if (silent.length > 0) {
  console.error(`no answer from: ${silent.map((target) => target.name).join(', ')}`);
  process.exitCode = 1;
}
