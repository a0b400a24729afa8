// Reads a sidecar's Prometheus text (admin /stats/prometheus) the way the e2e tests compare it.
import assert from 'node:assert/strict';

export async function scrape(admin: string): Promise<string> {
  const response = await fetch(`http://${admin}/stats/prometheus`);
  assert.equal(response.status, 200);
  return response.text();
}

/** The line of the first series of `name` whose labels include `labels`. */
function seriesLine(text: string, name: string, labels: Record<string, string>): string | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return text
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)));
}

/** The value of the one series of `name` whose labels include `labels` (0 when there is none). */
export function sample(text: string, name: string, labels: Record<string, string>): number {
  const line = seriesLine(text, name, labels);
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The value of label `label` on the first series of `name` whose labels include `labels`. */
export function labelValue(
  text: string,
  name: string,
  labels: Record<string, string>,
  label: string,
): string | undefined {
  return seriesLine(text, name, labels)?.match(new RegExp(`[{,]${label}="([^"]*)"`))?.[1];
}
