// Issue 13's performance goals ("Performance to reach"), word for word, beside what the run measured:
// printed in RESULTS.md, never asserted.
import type { DataPlaneResult, TargetFigures } from '../data-plane.js';
import { GRPC_DIRECT, GRPC_MESH, GRPC_PEER } from '../grpc-targets.js';
import type { GrpcBenchResult } from '../grpc-unary.js';
import { spread, type Spread } from './stats.js';

export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

export const HOP = 'sidecar hop';

export function figures(result: DataPlaneResult, name: string): TargetFigures | undefined {
  return result.targets.find((target) => target.name === name);
}

/** Per round, the target's latency percentile minus direct's in the same round, in ms. */
export function added(result: DataPlaneResult, target: TargetFigures, key: 'p50Us' | 'p90Us' | 'p99Us'): Spread {
  const direct = figures(result, 'direct') as TargetFigures;
  return spread(
    target.rounds.map(
      (round, index) => (round.latency[key] - (direct.rounds[index]?.latency[key] ?? Number.NaN)) / 1000,
    ),
  );
}

export const cpuPerRequest = (target: TargetFigures) => spread(target.rounds.map((r) => r.cpuUsPerRequest));
export const throughput = (target: TargetFigures) => spread(target.rounds.map((r) => r.saturationRps));

const atMost = (goal: string, value: number, limit: number, unit: string): Goal => ({
  goal,
  measured: `${value.toFixed(3)} ${unit} (goal ≤ ${limit} ${unit})`,
  met: value <= limit,
});

/** Each goal whose peers ran; a goal against a peer that was skipped is left out. */
export function dataPlaneGoals(result: DataPlaneResult): Goal[] {
  const hop = figures(result, HOP);
  if (!hop) return [];
  const nginx = figures(result, 'nginx');
  const baseline = figures(result, 'node-http-proxy');
  const rows: Goal[] = [];
  const rate = `${result.options.rate / 1000}k req/s`;
  const hopCpu = cpuPerRequest(hop).median;
  if (baseline) {
    const peerCpu = cpuPerRequest(baseline).median;
    rows.push({
      goal: "sidecar hop CPU per request below node-http-proxy's",
      measured: `${hopCpu.toFixed(1)} µs against ${peerCpu.toFixed(1)} µs`,
      met: hopCpu < peerCpu,
    });
  }
  if (nginx) rows.push(atMost("sidecar hop CPU per request, × nginx's", hopCpu / cpuPerRequest(nginx).median, 3, '×'));
  rows.push(atMost(`sidecar hop +p50 at ${rate}`, added(result, hop, 'p50Us').median, 0.3, 'ms'));
  rows.push(atMost(`sidecar hop +p99 at ${rate}`, added(result, hop, 'p99Us').median, 2, 'ms'));
  if (baseline) {
    const hopRps = throughput(hop).median;
    const peerRps = throughput(baseline).median;
    rows.push({
      goal: "saturation throughput above node-http-proxy's",
      measured: `${hopRps.toFixed(0)} req/s against ${peerRps.toFixed(0)} req/s`,
      met: hopRps > peerRps,
    });
  }
  rows.push(atMost('sidecar idle RSS', hop.rssIdleMb, 80, 'MB'));
  rows.push(atMost(`sidecar RSS at ${rate}`, spread(hop.rounds.map((r) => r.rssLoadedMb)).max, 100, 'MB'));
  return rows;
}

/**
 * gRPC unary through two sidecars: at least half of direct's calls per second. The share that two
 * bare node:http2 proxies reach in the same run is beside it: the floor of Node's http2 module.
 */
export function grpcGoal(result: GrpcBenchResult): Goal | undefined {
  const callsPerSecond = (name: string) => {
    const target = result.targets.find((candidate) => candidate.name === name);
    return target && spread(target.rounds.map((round) => round.callsPerSecond)).median;
  };
  const direct = callsPerSecond(GRPC_DIRECT);
  const mesh = callsPerSecond(GRPC_MESH);
  if (direct === undefined || mesh === undefined) return undefined;
  const share = (mesh / direct) * 100;
  const peer = callsPerSecond(GRPC_PEER);
  const peerShare = peer === undefined ? '' : `; two bare node:http2 proxies: ${((peer / direct) * 100).toFixed(0)}%`;
  return {
    goal: `gRPC unary through two sidecars, share of direct calls/s at ${result.options.concurrency} in flight`,
    measured: `${share.toFixed(0)}% (goal ≥ 50%)${peerShare}`,
    met: share >= 50,
  };
}
