// The demo's steady traffic: a fixed rate of GET / to the frontend through its sidecar's inbound
// listener, counted by which backend instance answered, with a summary line every few seconds.
import { Pool } from 'undici';

export interface TrafficSummary {
  ok: number;
  failed: number;
  /** Answers per backend instance, from the frontend's JSON. */
  byInstance: Map<string, number>;
  lastError?: string;
  seconds: number;
}

export interface Traffic {
  /** Stops sending, waits for the requests in flight, and returns the totals; safe to call twice. */
  stop(): Promise<TrafficSummary>;
}

// Every request ends within this, so at most rate × this many are ever in flight.
const REQUEST_TIMEOUT_MS = 5000;
export const SUMMARY_EVERY_MS = 5000;

export function startTraffic(target: string, ratePerSecond: number, print: (line: string) => void): Traffic {
  const pool = new Pool(`http://${target}`, { headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  const startedAt = Date.now();
  const summary: TrafficSummary = { ok: 0, failed: 0, byInstance: new Map(), seconds: 0 };
  const send = async () => {
    try {
      const answer = await pool.request({ method: 'GET', path: '/', headers: { host: 'frontend' } });
      const text = await answer.body.text();
      if (answer.statusCode !== 200) throw new Error(`frontend answered ${answer.statusCode}: ${text.trim()}`);
      const instance = (JSON.parse(text) as { backend: { instance: string } }).backend.instance;
      summary.ok++;
      summary.byInstance.set(instance, (summary.byInstance.get(instance) ?? 0) + 1);
    } catch (error) {
      summary.failed++;
      summary.lastError = (error as Error).message;
    }
  };
  const snapshot = () => ({ ...summary, seconds: Math.round((Date.now() - startedAt) / 1000) });
  const inFlight = new Set<Promise<void>>();
  const sender = setInterval(() => {
    const request = send().finally(() => inFlight.delete(request));
    inFlight.add(request);
  }, 1000 / ratePerSecond);
  const reporter = setInterval(() => print(formatSummary(snapshot())), SUMMARY_EVERY_MS);
  let stopped: Promise<TrafficSummary> | undefined;
  return {
    stop() {
      clearInterval(sender);
      clearInterval(reporter);
      stopped ??= Promise.all(inFlight)
        .then(() => pool.close())
        .then(snapshot);
      return stopped;
    },
  };
}

export function formatSummary(summary: TrafficSummary): string {
  const instances = [...summary.byInstance]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([instance, count]) => `${instance}=${count}`);
  const error = summary.lastError && summary.failed > 0 ? ` (last error: ${summary.lastError})` : '';
  return `traffic ${summary.seconds}s: ${summary.ok} ok, ${summary.failed} failed; answered by ${instances.join(' ') || 'nobody yet'}${error}`;
}
