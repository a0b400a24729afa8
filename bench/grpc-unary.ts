// The gRPC unary benchmark: a grpc-js server called directly and through two sidecars (client
// sidecar outbound → server sidecar inbound, HTTP/2 both hops, --app-protocol grpc), interleaved
// round by round; calls per second, latency, and the sidecars' CPU per 1,000 calls.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startKindsServer } from '../test/support/grpc-test-service.js';
import { startControlPlane, startSidecar, type SidecarProcess } from '../test/support/processes.js';
import { percentile } from './load/open-loop.js';
import { totalCpuSeconds } from './measure/proc-stat.js';

export interface GrpcBenchOptions {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  /** Calls in flight at once. */
  concurrency: number;
}

export interface GrpcRound {
  callsPerSecond: number;
  errors: number;
  p50Us: number;
  p99Us: number;
  /** Sidecar CPU per call in microseconds (0 for direct). */
  cpuUsPerCall: number;
}

export interface GrpcBenchResult {
  options: GrpcBenchOptions;
  targets: Array<{ name: string; rounds: GrpcRound[] }>;
}

const worker = join(import.meta.dirname, 'load', 'grpc-unary-worker.js');

interface GrpcLoadResult {
  calls: number;
  errors: number;
  elapsedS: number;
  latenciesUs: number[];
}

function runWorker(address: string, authority: string, options: GrpcBenchOptions): Promise<GrpcLoadResult> {
  const args = [
    worker,
    address,
    authority,
    String(options.concurrency),
    String(options.seconds),
    String(options.warmupSeconds),
  ];
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      args,
      { maxBuffer: 256 * 1024 * 1024, timeout: (options.seconds + options.warmupSeconds + 60) * 1000 },
      (error, stdout) =>
        error
          ? reject(new Error(`gRPC load against ${address} failed: ${error.message}`, { cause: error }))
          : resolve(JSON.parse(stdout) as GrpcLoadResult),
    ),
  );
}

export async function runGrpcBench(options: GrpcBenchOptions, log: (line: string) => void): Promise<GrpcBenchResult> {
  const server = await startKindsServer('bench');
  const controlPlane = await startControlPlane();
  const sidecars: SidecarProcess[] = [];
  try {
    sidecars.push(
      await startSidecar({
        service: 'grpc-upstream',
        appPort: server.port,
        appProtocol: 'grpc',
        controlPlane: controlPlane.grpc,
      }),
    );
    // The client's own app is not in the path; the sidecar needs an app port all the same.
    const client = await startSidecar({
      service: 'grpc-client',
      appPort: server.port,
      controlPlane: controlPlane.grpc,
    });
    sidecars.push(client);
    const targets = [
      { name: 'direct', address: `127.0.0.1:${server.port}`, authority: 'grpc-upstream', pids: [] as number[] },
      {
        name: 'mesh (2 sidecars)',
        address: client.outbound,
        authority: 'grpc-upstream',
        pids: sidecars.map((sidecar) => sidecar.pid),
      },
    ];
    const result: GrpcBenchResult = { options, targets: targets.map((target) => ({ name: target.name, rounds: [] })) };
    for (let round = 1; round <= options.rounds; round++) {
      for (const [index, target] of targets.entries()) {
        const cpuBefore = totalCpuSeconds(target.pids);
        const load = await runWorker(target.address, target.authority, options);
        const cpu = totalCpuSeconds(target.pids) - cpuBefore;
        const figures: GrpcRound = {
          callsPerSecond: load.calls / load.elapsedS,
          errors: load.errors,
          p50Us: percentile(load.latenciesUs, 50),
          p99Us: percentile(load.latenciesUs, 99),
          // The sidecars also work through the warm-up, whose calls are not counted: scale to the measured share.
          cpuUsPerCall:
            load.calls === 0
              ? 0
              : ((cpu * 1e6) / load.calls) * (options.seconds / (options.seconds + options.warmupSeconds)),
        };
        result.targets[index]?.rounds.push(figures);
        log(
          `gRPC round ${round}/${options.rounds} ${target.name.padEnd(18)} ${figures.callsPerSecond.toFixed(0).padStart(7)} calls/s  p50 ${(figures.p50Us / 1000).toFixed(3)} ms  p99 ${(figures.p99Us / 1000).toFixed(3)} ms`,
        );
      }
    }
    return result;
  } finally {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    await controlPlane.stop();
    await server.stop();
  }
}
