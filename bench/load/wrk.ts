// Saturation throughput with wrk (Debian package): a fixed number of connections, as fast as the
// target answers.
import { execFile } from 'node:child_process';

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  errors: number;
}

export function runWrk(address: string, host: string, connections: number, seconds: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'wrk',
      ['-t1', `-c${connections}`, `-d${seconds}s`, '-H', `Host: ${host}`, `http://${address}/`],
      { timeout: (seconds + 30) * 1000 },
      (error, stdout) => {
        if (error) return reject(new Error(`wrk against ${address} failed: ${error.message}`, { cause: error }));
        const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
        const total = /(\d+) requests in/.exec(stdout);
        const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
        const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
        if (!rps || !total) return reject(new Error(`cannot read wrk's output:\n${stdout}`));
        const errors =
          (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + Number(non2xx?.[1] ?? 0);
        resolve({ requestsPerSecond: Number(rps[1]), requests: Number(total[1]), errors });
      },
    );
  });
}
