// Where the control plane's CPU went while the fleet took its endpoint changes: reads its `node
// --cpu-prof` profile and keeps only the samples inside the change window (V8's profile clock and
// process.hrtime are both CLOCK_MONOTONIC, so the bench's hrtime bounds the window).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Monotonic microseconds (process.hrtime), the clock of a V8 profile's timestamps. */
export interface ProfileWindow {
  startUs: number;
  endUs: number;
}

export interface FrameShare {
  frame: string;
  percent: number;
}

export interface ChangeProfile {
  /** Samples in the window that were not idle. */
  busyMs: number;
  /** Functions by the time spent in them alone. */
  self: FrameShare[];
  /** Our own functions (dist/control-plane, dist/proto) by the time spent in them and what they called. */
  inclusive: FrameShare[];
}

export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Reads the one profile in `dir` and ranks the busy samples of `window`. */
export function changeProfile(dir: string, window: ProfileWindow, count = 15): ChangeProfile {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    const leaf = byId.get(id);
    if (at < window.startUs || at > window.endUs || leaf === undefined) return;
    if (leaf.callFrame.functionName === '(idle)') return;
    busy++;
    add(self, frameName(leaf));
    const seen = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parentOf.get(node.id) ?? -1)) {
      if (!/\/dist\/(control-plane|proto)\//.test(node.callFrame.url)) continue;
      const name = frameName(node);
      if (!seen.has(name)) add(inclusive, name);
      seen.add(name);
    }
  });
  const meanIntervalUs = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0) / profile.timeDeltas.length || 0;
  const rank = (totals: Map<string, number>) =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([frame, hits]) => ({ frame, percent: (100 * hits) / Math.max(busy, 1) }));
  return { busyMs: (busy * meanIntervalUs) / 1000, self: rank(self), inclusive: rank(inclusive) };
}

function add(totals: Map<string, number>, key: string): void {
  totals.set(key, (totals.get(key) ?? 0) + 1);
}

function frameName({ callFrame: { functionName, url, lineNumber } }: ProfileNode): string {
  const where = url
    ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${lineNumber + 1}`
    : '';
  return where === '' ? functionName || '(anonymous)' : `${functionName || '(anonymous)'} ${where}`;
}
