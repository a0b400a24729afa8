// Writes bench/RESULTS.md: what ran, on what, the figures with their spread, the goals beside
// them (met or missed, said plainly), and the charts.
import type { FleetResult } from '../control-plane/fleet.js';
import type { DataPlaneResult, TargetFigures } from '../data-plane.js';
import type { FeatureCostResult } from '../feature-cost.js';
import type { SidecarEndpointsResult } from '../sidecar-endpoints.js';
import { GRPC_DIRECT, GRPC_PEER } from '../grpc-targets.js';
import type { GrpcBenchResult } from '../grpc-unary.js';
import { TRACED_MESH } from '../targets/traced-mesh.js';
import { featureCostSection } from './feature-costs.js';
import { sidecarEndpointsSection } from './sidecar-endpoints.js';
import { added, cpuPerRequest, dataPlaneGoals, figures, grpcGoal, throughput, type Goal } from './goals.js';
import { formatSpread, spread, type Spread } from './stats.js';
import { envAssignments } from '../../cli/image-env.js';

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  date: string;
  /** The 1-minute load average when the run started and when it ended. */
  loadAverage: [number, number];
}

export interface ProfileEntry {
  functionName: string;
  location: string;
  selfPercent: number;
}

export interface Report {
  command: string;
  machine: Machine;
  dataPlane: DataPlaneResult[];
  featureCost: FeatureCostResult | undefined;
  sidecarEndpoints: SidecarEndpointsResult | undefined;
  /** The same with the sidecar under `sidecarEndpointsTuned.options.env` (deploy/Dockerfile's settings). */
  sidecarEndpointsTuned: SidecarEndpointsResult | undefined;
  fleet: FleetResult | undefined;
  /** The same fleet with the control plane under `fleetTuned.options.env` (deploy/Dockerfile's settings). */
  fleetTuned: FleetResult | undefined;
  grpc: GrpcBenchResult | undefined;
  profile: ProfileEntry[] | undefined;
  charts: string[];
}

const MESH = 'mesh (2 sidecars)';

const vcpuPer1k = (result: DataPlaneResult, target: TargetFigures) =>
  spread(target.rounds.map((r) => (r.vcpuAtRate * 1000) / result.options.rate));

function dataPlaneTable(result: DataPlaneResult): string[] {
  const direct = throughput(figures(result, 'direct') as TargetFigures).median;
  const lines = [
    `| target | throughput req/s (${result.options.connections} conns) | ratio to direct | +p50 ms | +p90 ms | +p99 ms | vCPU per 1k req/s | CPU µs/req | RSS idle MB | RSS at ${result.options.rate} req/s MB |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const target of result.targets) {
    const isDirect = target.name === 'direct';
    const t = throughput(target);
    const cells = [
      target.name,
      formatSpread(t, 0),
      (t.median / direct).toFixed(2),
      isDirect ? '—' : formatSpread(added(result, target, 'p50Us'), 3),
      isDirect ? '—' : formatSpread(added(result, target, 'p90Us'), 3),
      isDirect ? '—' : formatSpread(added(result, target, 'p99Us'), 3),
      isDirect ? '—' : formatSpread(vcpuPer1k(result, target), 3),
      isDirect ? '—' : formatSpread(cpuPerRequest(target), 1),
      isDirect ? '—' : target.rssIdleMb.toFixed(1),
      isDirect ? '—' : spread(target.rounds.map((r) => r.rssLoadedMb)).max.toFixed(1),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

/** What tracing every request costs over the default 1%, and every mesh target's span counters. */
function tracingSection(result: DataPlaneResult): string[] {
  const lines: string[] = [];
  const traced = figures(result, TRACED_MESH);
  const mesh = figures(result, MESH);
  if (traced && mesh) {
    const delta = (key: 'p50Us' | 'p99Us') =>
      (added(result, traced, key).median - added(result, mesh, key).median).toFixed(3);
    lines.push(
      `Tracing every request (${TRACED_MESH}) against the default 1% (${MESH}), both sidecars: CPU per request ×${(cpuPerRequest(traced).median / cpuPerRequest(mesh).median).toFixed(2)}, p50 ${delta('p50Us')} ms, p99 ${delta('p99Us')} ms.`,
      '',
    );
  }
  const counted = result.targets.filter((target) => target.spans !== undefined);
  if (counted.length > 0) {
    lines.push("Spans over the whole run, from the sidecars' own counters (the sink accepts every export):", '');
    lines.push('| target | exported | dropped, queue full | dropped, export failed |', '|---|---|---|---|');
    for (const target of counted) {
      const spans = target.spans as NonNullable<TargetFigures['spans']>;
      lines.push(`| ${target.name} | ${spans.exported} | ${spans.droppedQueueFull} | ${spans.droppedExportFailed} |`);
    }
    lines.push('');
  }
  return lines;
}

function goalTable(rows: readonly Goal[]): string[] {
  if (rows.length === 0) return ['The sidecar hop did not run: no goals to compare.'];
  return [
    '| goal | measured | met |',
    '|---|---|---|',
    ...rows.map((row) => `| ${row.goal} | ${row.measured} | ${row.met ? 'yes' : '**no**'} |`),
  ];
}

function missedSummary(rows: readonly Goal[], profile: readonly ProfileEntry[] | undefined): string[] {
  const missed = rows.filter((row) => !row.met);
  if (missed.length === 0) return ['Every data-plane goal is met.'];
  const top = profile
    ?.slice(0, 3)
    .map((entry) => `${entry.functionName || '(anonymous)'} (${entry.location}, ${entry.selfPercent.toFixed(1)}%)`);
  return [
    `Missed: ${missed.map((row) => row.goal).join('; ')}.`,
    top
      ? `Biggest self-time costs in the sidecar's profile: ${top.join(', ')}.`
      : 'Run `npm run bench -- --profile` to see where the sidecar spends its CPU.',
  ];
}

/** bench/FLEET.md is written by the fleet bench alone (bench/fleet.ts), too long a run for this one. */
const FLEET_LINK =
  'The fleet alone at 1,000 and 5,000 proxies, on the memory and etcd stores, with its memory at rest measured after it idled: [FLEET.md](FLEET.md), written by `node dist/bench/fleet.js --proxies 1000,5000 --stores memory,etcd --out bench/FLEET.md`.';

/** bench/SECURITY.md holds the mTLS hop and RBAC filter benches (bench/mtls-hop.ts, bench/rbac-filter.ts). */
const SECURITY_LINK =
  'What mutual TLS between sidecars and the RBAC filter cost on the hop: [SECURITY.md](SECURITY.md), from `node dist/bench/mtls-hop.js 1500` and `node dist/bench/rbac-filter.js`.';

function fleetSection(fleet: FleetResult, tuned: FleetResult | undefined): string[] {
  const { options: o } = fleet;
  const met = (ok: boolean) => (ok ? 'yes' : '**no**');
  return [
    `${o.clients} simulated proxies (real ADS streams that ACK; each watches every cluster and the endpoints of ${o.watchedPerClient + 1} services), ${o.services} services, ${o.endpoints} endpoints registered through the Registry API.`,
    '',
    '| figure | measured | goal | met |',
    '|---|---|---|---|',
    `| change → every affected proxy has it, p50 | ${fleet.convergenceMs.p50.toFixed(1)} ms | | |`,
    `| change → every affected proxy has it, p99 (${fleet.convergenceMs.samples} samples) | ${fleet.convergenceMs.p99.toFixed(1)} ms | ≤ 1000 ms | ${met(fleet.convergenceMs.p99 <= 1000)} |`,
    `| pushes per proxy for a burst of ${fleet.burst.registrations} registrations (median, max) | ${fleet.burst.pushesPerClientMedian}, ${fleet.burst.pushesPerClientMax} | a handful | ${met(fleet.burst.pushesPerClientMax <= 10)} |`,
    `| control-plane CPU for the burst | ${fleet.burst.cpuSeconds.toFixed(2)} s CPU over ${fleet.burst.seconds.toFixed(2)} s | | |`,
    `| control-plane RSS at rest / peak | ${fleet.rest.rssMb.toFixed(0)} MB / ${fleet.peakRssMb.toFixed(0)} MB | ≤ 300 MB | ${met(fleet.peakRssMb <= 300)} |`,
    ...(tuned === undefined
      ? []
      : [
          `| the same, with ${envAssignments(tuned.options.env ?? {})
            .map((word) => `\`${word}\``)
            .join(
              ' ',
            )} (deploy/Dockerfile's settings; a second run, change p99 ${tuned.convergenceMs.p99.toFixed(1)} ms) | ${tuned.rest.rssMb.toFixed(0)} MB / ${tuned.peakRssMb.toFixed(0)} MB | ≤ 300 MB | ${met(tuned.peakRssMb <= 300)} |`,
        ]),
    `| control-plane CPU at rest | ${fleet.rest.cpuVcpu.toFixed(3)} vCPU | | |`,
    `| full snapshot to a newly connected proxy | ${fleet.newClientSnapshotMs.toFixed(1)} ms | | |`,
    `| registering ${o.endpoints} endpoints / connecting ${o.clients} proxies | ${fleet.registerSeconds.toFixed(1)} s / ${fleet.connectSeconds.toFixed(1)} s | | |`,
  ];
}

function grpcSection(result: GrpcBenchResult): string[] {
  const o = result.options;
  const direct = result.targets.find((target) => target.name === GRPC_DIRECT);
  const peer = result.targets.find((target) => target.name === GRPC_PEER);
  const goal = grpcGoal(result);
  const median = (
    rounds: GrpcBenchResult['targets'][number]['rounds'],
    key: 'callsPerSecond' | 'p50Us' | 'p99Us' | 'cpuUsPerCall',
  ) => spread(rounds.map((round) => round[key]));
  const peerCpu = peer === undefined ? undefined : median(peer.rounds, 'cpuUsPerCall').median;
  return [
    `A grpc-js client (bench/load/grpc-unary-worker.ts) makes unary calls with ${o.concurrency} in flight on one channel for ${o.seconds} s (after ${o.warmupSeconds} s of warm-up), ${o.rounds} rounds, to a grpc-js server: directly, through two bare node:http2 proxies (the peer, bench/peers/node-h2-proxy.ts: mutual TLS between them, as between sidecars, and nothing else: the least a proxy on Node's http2 module costs), and through two sidecars (HTTP/2 on both hops). Closed loop: the calls per second are what the path sustains, and its latency at that load. CPU is both proxies' together.`,
    '',
    '| target | calls/s | p50 ms | p99 ms | + p50 ms over direct | proxy CPU ms per 1,000 calls | CPU × node:http2 pair |',
    '|---|---|---|---|---|---|---|',
    ...result.targets.map((target) => {
      const p50 = median(target.rounds, 'p50Us');
      const added =
        direct === undefined || target === direct
          ? ''
          : ((p50.median - median(direct.rounds, 'p50Us').median) / 1000).toFixed(3);
      const cpuPerCall = median(target.rounds, 'cpuUsPerCall');
      const cpu = target === direct ? '' : formatSpread(cpuPerCall, 1);
      const ratio = target === direct || peerCpu === undefined ? '' : `${(cpuPerCall.median / peerCpu).toFixed(2)}×`;
      return `| ${target.name} | ${formatSpread(median(target.rounds, 'callsPerSecond'), 0)} | ${formatSpread(scale(p50, 1 / 1000), 3)} | ${formatSpread(scale(median(target.rounds, 'p99Us'), 1 / 1000), 3)} | ${added} | ${cpu} | ${ratio} |`;
    }),
    ...result.skipped.map((skipped) => `| ${skipped.name} | skipped: ${skipped.reason} | | | | | |`),
    ...(goal === undefined ? [] : ['', ...goalTable([goal])]),
  ];
}

function scale(value: Spread, factor: number): Spread {
  return { median: value.median * factor, min: value.min * factor, max: value.max * factor };
}

export function renderMarkdown(report: Report): string {
  const { machine } = report;
  const lines = [
    '# Benchmark results',
    '',
    'Written by the harness (`bench/run.ts`); do not edit by hand.',
    '',
    `Command: \`${report.command}\`  `,
    `Machine: ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}; ${machine.date}; load average ${machine.loadAverage[0].toFixed(1)} at the start, ${machine.loadAverage[1].toFixed(1)} at the end.`,
    '',
    'Targets run in the same process tree and are interleaved round by round (direct, sidecar hop, mesh, mesh + policies, mesh with tracing at 100%, nginx, haproxy, node-http-proxy, then again), so ratios hold on a noisy machine. "mesh + policies" is the mesh path with a realistic policy set in force: 100 route rules (a request passes over 99 that match on path and header), retries and a timeout, connection limits and outlier detection, and a rate limit at the destination with a quota no run reaches (bench/targets/policy-mesh.ts). Every sidecar runs with its defaults: Istio metrics on, tracing at 1% of new traces, exported over OTLP/HTTP to a local sink process; "mesh, tracing 100%" samples every request (a MeshConfig, bench/targets/traced-mesh.ts). Figures are medians over rounds with (min–max). Latency is measured open-loop (arrivals on a clock, not paced by responses) and "+" means added over direct in the same round. CPU is the proxy processes\' user+system time from /proc.',
    '',
  ];
  for (const result of report.dataPlane) {
    const o = result.options;
    lines.push(`## Data plane, ${o.bodyBytes}-byte responses`, '');
    lines.push(
      `${o.rounds} rounds; saturation: wrk, ${o.connections} connections, ${o.saturationSeconds} s; latency and CPU: open loop at ${o.rate} req/s for ${o.latencySeconds} s.`,
      '',
    );
    lines.push(...dataPlaneTable(result), '');
    for (const skipped of result.skipped) lines.push(`Skipped ${skipped.name}: ${skipped.reason}.`, '');
    lines.push(...tracingSection(result));
    const rows = dataPlaneGoals(result);
    lines.push(
      "Issue 13's goals (printed, not asserted):",
      '',
      ...goalTable(rows),
      '',
      ...missedSummary(rows, report.profile),
      '',
    );
  }
  if (report.featureCost) lines.push('## What each feature costs', '', ...featureCostSection(report.featureCost), '');
  if (report.sidecarEndpoints)
    lines.push(
      '## Sidecar memory per mesh endpoint',
      '',
      ...sidecarEndpointsSection(report.sidecarEndpoints, report.sidecarEndpointsTuned),
      '',
    );
  if (report.grpc) lines.push('## gRPC unary', '', ...grpcSection(report.grpc), '');
  if (report.fleet)
    lines.push('## Control plane', '', ...fleetSection(report.fleet, report.fleetTuned), '', FLEET_LINK, '');
  lines.push('## Security', '', SECURITY_LINK, '');
  if (report.profile) {
    lines.push(
      '## Where the sidecar spends its CPU',
      '',
      'Self time from `node --cpu-prof` of both sidecars during the mesh rounds (`npm run bench -- --profile`):',
      '',
    );
    lines.push(
      '| self % | function | where |',
      '|---|---|---|',
      ...report.profile.map(
        (p) => `| ${p.selfPercent.toFixed(1)} | ${p.functionName || '(anonymous)'} | ${p.location} |`,
      ),
      '',
    );
  }
  lines.push('## Charts', '', ...report.charts.map((chart) => `![${chart}](results/${chart})`), '');
  return lines.join('\n');
}
