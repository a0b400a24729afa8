// bench/FLEET.md: the control-plane fleet at several sizes and on each store, as `node
// dist/bench/fleet.js --out` writes it (bench/RESULTS.md, written by `npm run bench`, links it).
import type { FrameShare } from './change-profile.js';
import type { FleetResult } from './fleet.js';

export interface FleetReport {
  command: string;
  machine: { cores: number; cpuModel: string; node: string; date: string };
  runs: readonly FleetResult[];
}

/** The goals (16 §4): at rest with no malloc setting, and a change reaching every proxy. */
export const FLEET_GOALS = { restRssMb: 150, convergenceP99Ms: 2000 } as const;

export function renderFleetReport({ command, machine, runs }: FleetReport): string {
  const met = (ok: boolean) => (ok ? 'yes' : '**no**');
  const first = runs[0]?.options;
  return [
    '# Control-plane fleet',
    '',
    `\`${command}\` on ${machine.cores} × ${machine.cpuModel}, Node.js ${machine.node}, ${machine.date}; no malloc`,
    'or V8 setting. Each simulated proxy is a real ADS stream that subscribes like a sidecar (every cluster,',
    `the endpoints of ${(first?.watchedPerClient ?? 0) + 1} services) and ACKs every response at once;`,
    'services and endpoints are registered through the Registry API. The machine is shared with other',
    'work: the load average (1 minute, at the start and end of each run) says how busy it was. On a',
    'busy machine the latency of a change is mostly waiting for a core; the control-plane CPU per change',
    'says what it costs. The simulated fleet is one process on the same cores (its own CPU per change is',
    'beside the control plane’s); real proxies would each have their own.',
    '',
    'The control plane runs with its default debounce (`--debounce-ms 100 --max-debounce-ms 10000`, as Istio’s',
    'PILOT_DEBOUNCE_AFTER/MAX): registrations less than 100 ms apart are one push, for up to 10 s. A burst',
    'is that many registrations of one service’s endpoints, 64 at a time; its pushes are every response',
    'a proxy gets from its start until the pushes stop.',
    '',
    ...(runs.some((run) => run.changeProfile !== undefined)
      ? []
      : [
          'Where a change’s control-plane CPU goes, from `node --cpu-prof`: [FLEET-PROFILE.md](FLEET-PROFILE.md), written by',
          '`node dist/bench/fleet.js --proxies 1000,5000 --idle 0 --cpu-prof DIR --out bench/FLEET-PROFILE.md`.',
          '',
        ]),
    'V8 gives back its young generation and free heap pages only in a memory-reducing GC, which it starts',
    'by itself after about two minutes without a GC: "at rest" is measured after the fleet idled that long.',
    '',
    `Goals: control-plane RSS at rest ≤ ${FLEET_GOALS.restRssMb} MB at 1,000 proxies; an endpoint change reaches (and is`,
    `ACKed by) every proxy within ${FLEET_GOALS.convergenceP99Ms} ms at p99 at 5,000.`,
    '',
    '| proxies | services / endpoints | store | RSS 2 s after connecting | RSS at rest (idle) | RSS peak (burst) | change → all ACKed p50 / p99 | control-plane CPU per change (the simulated fleet’s own) | event-loop delay during the changes p99 / max | pushes per proxy for a burst | connect all | load average |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs
      .map((run) => {
        const o = run.options;
        const idle = run.idle;
        const restGoal = o.clients <= 1000 && idle ? `; goal met: ${met(idle.rssMb <= FLEET_GOALS.restRssMb)}` : '';
        const p99Goal = met(run.convergenceMs.p99 <= FLEET_GOALS.convergenceP99Ms);
        return [
          o.clients,
          `${o.services} / ${o.endpoints}`,
          o.store ?? 'memory',
          `${run.rest.rssMb.toFixed(0)} MB`,
          idle ? `${idle.rssMb.toFixed(0)} MB (after ${idle.seconds} s${restGoal})` : 'not measured',
          `${run.peakRssMb.toFixed(0)} MB`,
          `${run.convergenceMs.p50.toFixed(0)} / ${run.convergenceMs.p99.toFixed(0)} ms (≤ ${FLEET_GOALS.convergenceP99Ms}: ${p99Goal})`,
          `${run.cpuSecondsPerChange.toFixed(2)} s (${run.fleetCpuSecondsPerChange.toFixed(2)} s)`,
          `${run.eventLoopDelayMs.p99.toFixed(0)} / ${run.eventLoopDelayMs.max.toFixed(0)} ms`,
          `${run.burst.pushesPerClientMedian} (max ${run.burst.pushesPerClientMax}) for ${run.burst.registrations} in ${run.burst.seconds.toFixed(1)} s`,
          `${run.connectSeconds.toFixed(1)} s`,
          `${run.loadAverage.start.toFixed(1)} → ${run.loadAverage.end.toFixed(1)}`,
        ].join(' | ');
      })
      .map((row) => `| ${row} |`),
    '',
    ...runs.flatMap(renderChangeProfile),
  ].join('\n');
}

/** Where the control plane's CPU went during a run's endpoint changes, when it ran under the profiler. */
function renderChangeProfile(run: FleetResult): string[] {
  const profile = run.changeProfile;
  if (profile === undefined) return [];
  const o = run.options;
  const rows = (shares: readonly FrameShare[]) =>
    shares.map(({ frame, percent }) => `| ${percent.toFixed(1)}% | \`${frame}\` |`);
  return [
    `## Where a change's CPU goes: ${o.clients} proxies, ${o.store ?? 'memory'} store`,
    '',
    `\`node --cpu-prof\` on the control plane; only the samples of the ${o.changes} endpoint changes (${profile.busyMs.toFixed(0)} ms busy in all). Self time:`,
    '',
    '| share | function |',
    '|---|---|',
    ...rows(profile.self),
    '',
    'Time in our own functions and what they called (a caller and its callees each count the sample):',
    '',
    '| share | function |',
    '|---|---|',
    ...rows(profile.inclusive),
    '',
  ];
}
