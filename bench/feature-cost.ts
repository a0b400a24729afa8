// The per-feature cost table: the mesh path (client → sidecar A → sidecar B → app) with every
// feature on, then with each one switched off in turn, and with all of them off; each variant is
// its own control plane and pair of sidecars, measured interleaved round by round so the
// differences hold on a noisy machine. A feature's price is, per round, CPU per request with all on
// minus CPU per request with that feature off.
import type { LatencyResult } from './load/open-loop.js';
import { measureOpenLoop } from './measure/open-loop-cpu.js';
import { FEATURES, startFeatureMeshTarget, type Feature } from './targets/feature-mesh.js';
import { startOtlpSink, startUpstream } from './targets/peers.js';
import type { Target } from './targets/target.js';

export interface FeatureCostOptions {
  bodyBytes: number;
  rounds: number;
  /** Open-loop arrival rate, requests per second. */
  rate: number;
  seconds: number;
  warmupSeconds: number;
  /** Each feature off in turn; false: only every feature on and every feature off (a quick run). */
  eachFeature: boolean;
}

export interface FeatureVariant {
  name: string;
  /** The feature switched off; undefined for "every feature on", "all" for every feature off. */
  off: Feature | 'all' | undefined;
  /** Per round: both sidecars' CPU per request, µs. */
  cpuUsPerRequest: number[];
  /** Per round: the open loop's latency. */
  latency: LatencyResult[];
}

export interface FeatureCostResult {
  options: FeatureCostOptions;
  variants: FeatureVariant[];
}

export const ALL_ON = 'every feature on';

function variantPlan(eachFeature: boolean): Array<{ name: string; off: FeatureVariant['off'] }> {
  return [
    { name: ALL_ON, off: undefined },
    ...(eachFeature ? FEATURES.map((feature) => ({ name: `${feature} off`, off: feature })) : []),
    { name: 'every feature off', off: 'all' as const },
  ];
}

export async function runFeatureCost(
  options: FeatureCostOptions,
  log: (line: string) => void,
): Promise<FeatureCostResult> {
  const upstream = await startUpstream(options.bodyBytes);
  const stops: Array<() => Promise<void>> = [upstream.stop];
  try {
    const sink = await startOtlpSink();
    stops.unshift(sink.stop);
    const sidecarEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint };
    const plan = variantPlan(options.eachFeature);
    // Started side by side: most of a start is waiting for the control plane's first push.
    const started = await Promise.allSettled(
      plan.map(({ name, off }) =>
        startFeatureMeshTarget(
          upstream,
          name,
          new Set(FEATURES.filter((feature) => off !== 'all' && feature !== off)),
          sidecarEnv,
        ),
      ),
    );
    for (const outcome of started) if (outcome.status === 'fulfilled') stops.unshift(outcome.value.stop);
    const targets: Target[] = started.map((outcome) => {
      if (outcome.status === 'rejected') throw outcome.reason;
      return outcome.value;
    });
    const variants: FeatureVariant[] = plan.map(({ name, off }) => ({ name, off, cpuUsPerRequest: [], latency: [] }));
    for (let round = 1; round <= options.rounds; round++) {
      for (const [index, target] of targets.entries()) {
        const { latency, cpuUsPerRequest } = await measureOpenLoop(
          target,
          options.rate,
          options.seconds,
          options.warmupSeconds,
        );
        const variant = variants[index] as FeatureVariant;
        variant.cpuUsPerRequest.push(cpuUsPerRequest);
        variant.latency.push(latency);
        log(
          `round ${round}/${options.rounds} ${target.name.padEnd(18)} ${cpuUsPerRequest.toFixed(1)} µs CPU/request  ` +
            `p50 ${(latency.p50Us / 1000).toFixed(3)} ms  p99 ${(latency.p99Us / 1000).toFixed(3)} ms`,
        );
      }
    }
    return { options, variants };
  } finally {
    for (const stop of stops) await stop();
  }
}
