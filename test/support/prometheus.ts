// Reading a proxy's Prometheus metrics in tests: scrape its admin /stats/prometheus, pick a series.
import assert from 'node:assert/strict';

export async function scrape(admin: string): Promise<string> {
  const response = await fetch(`http://${admin}/stats/prometheus`);
  assert.equal(response.status, 200);
  return response.text();
}

/** The value of the one series of `name` whose labels include `labels` (0 when there is none). */
export function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
