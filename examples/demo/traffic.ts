// The demo's steady traffic: a fixed rate of requests to the frontend's sidecar, counted by which
// backend instance answered; a summary line every few seconds.
import { Pool } from 'undici';

export interface TrafficSummary {
  ok: number;
  failed: number;
  byInstance: Map<string, number>;
  lastError?: string;
}

export function startTraffic(target: string, ratePerSecond: number, print: (line: string) => void): { stop(): Promise<TrafficSummary> } {
  const pool = new Pool(`http://${target}`, { connections: 4 });
  const summary: TrafficSummary = { ok: 0, failed: 0, byInstance: new Map() };
  const send = async () => {
    try {
      const answer = await pool.request({ method: 'GET', path: '/', headers: { host: 'frontend' } });
      const text = await answer.body.text();
      if (answer.statusCode !== 200) throw new Error(`${answer.statusCode} ${text.trim()}`);
      const instance = (JSON.parse(text) as { backend: { instance: string } }).backend.instance;
      summary.ok++;
      summary.byInstance.set(instance, (summary.byInstance.get(instance) ?? 0) + 1);
    } catch (error) {
      summary.failed++;
      summary.lastError = (error as Error).message;
    }
  };
  const sender = setInterval(() => void send(), 1000 / ratePerSecond);
  const reporter = setInterval(() => print(formatSummary(summary)), 5000);
  return {
    async stop() {
      clearInterval(sender);
      clearInterval(reporter);
      await pool.close();
      return summary;
    },
  };
}

export function formatSummary(summary: TrafficSummary): string {
  const instances = [...summary.byInstance].sort().map(([instance, count]) => `${instance}=${count}`).join(' ');
  const error = summary.failed > 0 && summary.lastError ? ` (last error: ${summary.lastError})` : '';
  return `traffic: ${summary.ok} ok, ${summary.failed} failed; answered by ${instances || 'nobody yet'}${error}`;
}
