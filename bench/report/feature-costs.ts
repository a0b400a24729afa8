// The per-feature cost section of RESULTS.md: what each feature of the sidecar costs per request,
// as the difference between every feature on and that feature off, paired round by round.
import { ALL_ON, type FeatureCostResult, type FeatureVariant } from '../feature-cost.js';
import { formatSpread, spread } from './stats.js';

/** Per round, `minuend`'s figure minus `subtrahend`'s in the same round. */
function paired(minuend: readonly number[], subtrahend: readonly number[]): number[] {
  return minuend.map((value, index) => value - (subtrahend[index] ?? Number.NaN));
}

export function featureCostSection(result: FeatureCostResult): string[] {
  const o = result.options;
  const allOn = result.variants.find((variant) => variant.name === ALL_ON) as FeatureVariant;
  const allOnCpu = spread(allOn.cpuUsPerRequest).median;
  const rows = result.variants.map((variant) => {
    const cpu = spread(variant.cpuUsPerRequest);
    const p50 = spread(variant.latency.map((latency) => latency.p50Us / 1000));
    const p99 = spread(variant.latency.map((latency) => latency.p99Us / 1000));
    const cells = [variant.name, formatSpread(cpu, 1), formatSpread(p50, 3), formatSpread(p99, 3)];
    if (variant === allOn) cells.push('—', '—');
    else {
      const price = spread(paired(allOn.cpuUsPerRequest, variant.cpuUsPerRequest));
      cells.push(formatSpread(price, 1), `${((100 * price.median) / allOnCpu).toFixed(0)}%`);
    }
    return `| ${cells.join(' | ')} |`;
  });
  return [
    `The mesh path (two sidecars: outbound, then inbound) with every feature on — Istio metrics, the access log (MeshConfig \`accessLog.enabled\`), tracing at 1% of new traces exported over OTLP, policies (a Route with a timeout, 2 retries and a fault at 0%, a DestinationPolicy with connection limits and outlier detection, a rate limit no run reaches) — and with each switched off in turn (metrics: \`pilotfish sidecar --no-request-metrics\`; access log: off; tracing: sampling 0; policies: none, and no default retries), each its own control plane and sidecars (bench/targets/feature-mesh.ts). ${o.rounds} rounds, variants interleaved; open loop at ${o.rate} req/s for ${o.seconds} s after ${o.warmupSeconds} s of warm-up, ${o.bodyBytes}-byte responses. CPU is both sidecars' per request; a feature's price is, per round, all on minus that feature off.`,
    '',
    '| variant | CPU µs/request (2 sidecars) | p50 ms | p99 ms | price of what is off, µs/request | share of all on |',
    '|---|---|---|---|---|---|',
    ...rows,
  ];
}
