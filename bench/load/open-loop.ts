// Runs the open-loop generator in a child process and summarises its latencies.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export interface LatencyResult {
  requests: number;
  errors: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  achievedRate: number;
}

const worker = join(import.meta.dirname, 'open-loop-worker.js');

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function runOpenLoop(
  address: string,
  host: string,
  rate: number,
  seconds: number,
  warmupSeconds: number,
): Promise<LatencyResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [worker, address, host, String(rate), String(seconds), String(warmupSeconds)],
      { maxBuffer: 256 * 1024 * 1024, timeout: (seconds + 60) * 1000 },
      (error, stdout) => {
        if (error)
          return reject(new Error(`open-loop load against ${address} failed: ${error.message}`, { cause: error }));
        const result = JSON.parse(stdout) as {
          requests: number;
          errors: number;
          elapsedS: number;
          latenciesUs: number[];
        };
        resolve({
          requests: result.requests,
          errors: result.errors,
          p50Us: percentile(result.latenciesUs, 50),
          p90Us: percentile(result.latenciesUs, 90),
          p99Us: percentile(result.latenciesUs, 99),
          achievedRate: result.requests / result.elapsedS,
        });
      },
    );
  });
}
