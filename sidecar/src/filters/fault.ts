// A route's fault (envoy.filters.http.fault, per route): delay a share of requests by a fixed
// time, and answer a share with an error status instead of forwarding them. Shares are parts per
// million, so 0.1% is exact.

export interface Fault {
  delayMs: number;
  delayPerMillion: number;
  abortStatus: number;
  abortPerMillion: number;
}

export function hits(perMillion: number, random: () => number = Math.random): boolean {
  return perMillion > 0 && random() * 1_000_000 < perMillion;
}
