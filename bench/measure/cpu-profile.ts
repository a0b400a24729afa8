// Reads V8 .cpuprofile files (node --cpu-prof) and ranks functions by self time.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileEntry } from '../report/markdown.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export function topSelfTime(dir: string, count = 12): ProfileEntry[] {
  const totals = new Map<string, { functionName: string; location: string; hits: number }>();
  let allHits = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      // Idle and the profiler's own bookkeeping are not the proxy's work.
      if (hits === 0 || functionName === '(idle)' || functionName === '(program)') continue;
      const location = url
        ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${lineNumber + 1}`
        : '(native)';
      const key = `${functionName}@${location}`;
      const entry = totals.get(key) ?? { functionName, location, hits: 0 };
      entry.hits += hits;
      totals.set(key, entry);
      allHits += hits;
    }
  }
  return [...totals.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, count)
    .map((entry) => ({
      functionName: entry.functionName,
      location: entry.location,
      selfPercent: (100 * entry.hits) / Math.max(allHits, 1),
    }));
}
