// The data-plane benchmark: every target measured in the same run, interleaved round by round
// (A B C … A B C …) so that ratios hold on a noisy machine.
import type { LatencyResult } from './load/open-loop.js';
import { runWrk } from './load/wrk.js';
import { measureOpenLoop } from './measure/open-loop-cpu.js';
import { totalRssMb } from './measure/proc-stat.js';
import { startMeshTargets } from './targets/mesh.js';
import { startPolicyMeshTarget } from './targets/policy-mesh.js';
import {
  directTarget,
  haproxyTarget,
  nginxTarget,
  nodeHttpProxyTarget,
  peerUnavailable,
  startOtlpSink,
  startUpstream,
} from './targets/peers.js';
import type { Target } from './targets/target.js';
import { startTracedMeshTarget } from './targets/traced-mesh.js';

export interface DataPlaneOptions {
  bodyBytes: number;
  rounds: number;
  saturationSeconds: number;
  latencySeconds: number;
  /** Open-loop load before the measured part: connections opened, code warm. */
  warmupSeconds: number;
  /** Open-loop arrival rate for the latency and CPU figures. */
  rate: number;
  /** wrk's connection count for saturation. */
  connections: number;
}

export interface RoundFigures {
  saturationRps: number;
  saturationErrors: number;
  latency: LatencyResult;
  /** Proxy CPU at the fixed rate, in vCPU (cores busy). */
  vcpuAtRate: number;
  /** Proxy CPU per request at the fixed rate, in microseconds. */
  cpuUsPerRequest: number;
  rssLoadedMb: number;
}

/** Spans the target's sidecars exported and dropped over the whole run (their own counters). */
export interface SpanCounts {
  exported: number;
  droppedQueueFull: number;
  droppedExportFailed: number;
}

export interface TargetFigures {
  name: string;
  rssIdleMb: number;
  rounds: RoundFigures[];
  /** Mesh targets only. */
  spans?: SpanCounts;
}

export interface DataPlaneResult {
  options: DataPlaneOptions;
  targets: TargetFigures[];
  skipped: Array<{ name: string; reason: string }>;
}

/** With `profileDir`, the sidecars run under node --cpu-prof and write their profiles there. */
export async function runDataPlane(
  options: DataPlaneOptions,
  log: (line: string) => void,
  profileDir?: string,
): Promise<DataPlaneResult> {
  const upstream = await startUpstream(options.bodyBytes);
  const targets: Target[] = [directTarget(upstream)];
  const skipped: DataPlaneResult['skipped'] = [];
  const stops: Array<() => Promise<void>> = [upstream.stop];
  try {
    const sink = await startOtlpSink();
    stops.unshift(sink.stop);
    // Every sidecar exports its sampled spans to a collector that keeps up.
    const sidecarEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint };
    const mesh = await startMeshTargets(upstream, sidecarEnv, profileDir);
    stops.unshift(mesh.stop);
    targets.push(...mesh.targets);
    const policyMesh = await startPolicyMeshTarget(upstream, sidecarEnv, profileDir);
    stops.unshift(policyMesh.stop);
    targets.push(policyMesh);
    const tracedMesh = await startTracedMeshTarget(upstream, sidecarEnv, profileDir);
    stops.unshift(tracedMesh.stop);
    targets.push(tracedMesh);
    for (const [binary, start] of [
      ['nginx', nginxTarget],
      ['haproxy', haproxyTarget],
    ] as const) {
      const reason = peerUnavailable(binary);
      if (reason) {
        skipped.push({ name: binary, reason });
        log(`skipping ${binary}: ${reason}`);
        continue;
      }
      const target = await start(upstream);
      stops.unshift(target.stop);
      targets.push(target);
    }
    const nodeProxy = await nodeHttpProxyTarget(upstream);
    stops.unshift(nodeProxy.stop);
    targets.push(nodeProxy);

    const figures = targets.map((target) => ({
      name: target.name,
      rssIdleMb: totalRssMb(target.proxyPids()),
      rounds: [] as RoundFigures[],
    }));
    for (let round = 1; round <= options.rounds; round++) {
      for (const [index, target] of targets.entries()) {
        const result = await measureRound(target, options);
        (figures[index] as TargetFigures).rounds.push(result);
        log(
          `round ${round}/${options.rounds} ${target.name.padEnd(18)} ${result.saturationRps.toFixed(0).padStart(7)} req/s  ` +
            `p50 ${(result.latency.p50Us / 1000).toFixed(3)} ms  p99 ${(result.latency.p99Us / 1000).toFixed(3)} ms  ` +
            `${result.vcpuAtRate.toFixed(3)} vCPU @${options.rate}/s`,
        );
      }
    }
    for (const [index, target] of targets.entries()) {
      if (target.admins !== undefined) (figures[index] as TargetFigures).spans = await spanCounts(target.admins());
    }
    return { options, targets: figures, skipped };
  } finally {
    for (const stop of stops) await stop();
  }
}

async function measureRound(target: Target, options: DataPlaneOptions): Promise<RoundFigures> {
  const saturation = await runWrk(target.address, target.host, options.connections, options.saturationSeconds);
  const load = await measureOpenLoop(target, options.rate, options.latencySeconds, options.warmupSeconds);
  // Issue 13 sets the loaded goal at the open-loop rate: read right as that load ends.
  const rssLoadedMb = totalRssMb(target.proxyPids());
  return {
    saturationRps: saturation.requestsPerSecond,
    saturationErrors: saturation.errors,
    latency: load.latency,
    vcpuAtRate: load.vcpu,
    cpuUsPerRequest: load.cpuUsPerRequest,
    rssLoadedMb,
  };
}

function counterValue(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function spanCounts(admins: string[]): Promise<SpanCounts> {
  const counts: SpanCounts = { exported: 0, droppedQueueFull: 0, droppedExportFailed: 0 };
  for (const admin of admins) {
    const text = await (await fetch(`http://${admin}/stats/prometheus`)).text();
    counts.exported += counterValue(text, 'pilotfish_sidecar_spans_exported_total');
    counts.droppedQueueFull += counterValue(text, 'pilotfish_sidecar_spans_dropped_total{reason="queue_full"}');
    counts.droppedExportFailed += counterValue(text, 'pilotfish_sidecar_spans_dropped_total{reason="export_failed"}');
  }
  return counts;
}
