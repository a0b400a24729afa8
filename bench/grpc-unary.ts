// The gRPC unary benchmark: a grpc-js server called directly, through two bare node:http2
// proxies (the peer: TLS between them, as between sidecars) and through two sidecars (client
// sidecar outbound → server sidecar inbound, HTTP/2 both hops, --app-protocol grpc), interleaved
// round by round; calls per second, latency, and the proxies' CPU per 1,000 calls.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificate, opensslMissing } from '../test/support/certificates.js';
import { startKindsServer } from '../test/support/grpc-test-service.js';
import { startControlPlane, startSidecar, type SidecarProcess } from '../test/support/processes.js';
import { GRPC_DIRECT, GRPC_MESH, GRPC_PEER } from './grpc-targets.js';
import { percentile } from './load/open-loop.js';
import { totalCpuSeconds } from './measure/proc-stat.js';
import { spawnListening, stopChild } from './targets/target.js';

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
  /** The proxies' CPU per call in microseconds (0 for direct). */
  cpuUsPerCall: number;
}

export interface GrpcBenchResult {
  options: GrpcBenchOptions;
  targets: Array<{ name: string; rounds: GrpcRound[] }>;
  /** Targets that could not run here, and why. */
  skipped: Array<{ name: string; reason: string }>;
}

/** The called service: the server's sidecar serves it, and every target is called by that authority. */
const SERVICE = 'grpc-upstream';

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

interface GrpcTarget {
  name: string;
  address: string;
  /** The proxy processes whose CPU is the target's cost (none for direct). */
  pids: number[];
}

/**
 * The peer: two bare node:http2 proxies (bench/peers/node-h2-proxy.ts), mutual TLS between them,
 * with their certificate in `dir`.
 */
async function startPeerPair(appPort: number, dir: string): Promise<{ address: string; children: ChildProcess[] }> {
  const { certificateFile, keyFile } = makeCertificate(dir, 'peer', 'localhost');
  const script = join(import.meta.dirname, 'peers', 'node-h2-proxy.js');
  const peer = (upstreamPort: number, role: 'edge' | 'inner') =>
    spawnListening(
      process.execPath,
      [script, '0', String(upstreamPort), role, certificateFile, keyFile],
      `node:http2 ${role} proxy`,
    );
  const [inner, innerPort] = await peer(appPort, 'inner');
  const [edge, edgePort] = await peer(innerPort, 'edge').catch(async (error: unknown) => {
    await stopChild(inner);
    throw error;
  });
  return { address: `127.0.0.1:${edgePort}`, children: [edge, inner] };
}

export async function runGrpcBench(options: GrpcBenchOptions, log: (line: string) => void): Promise<GrpcBenchResult> {
  const server = await startKindsServer('bench');
  const controlPlane = await startControlPlane();
  const sidecars: SidecarProcess[] = [];
  const peers: ChildProcess[] = [];
  const peerDir = mkdtempSync(join(tmpdir(), 'pilotfish-bench-h2-'));
  try {
    sidecars.push(
      await startSidecar({
        service: SERVICE,
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
    const targets: GrpcTarget[] = [{ name: GRPC_DIRECT, address: `127.0.0.1:${server.port}`, pids: [] }];
    const skipped: GrpcBenchResult['skipped'] = [];
    const noOpenssl = opensslMissing();
    if (noOpenssl === undefined) {
      const pair = await startPeerPair(server.port, peerDir);
      peers.push(...pair.children);
      targets.push({ name: GRPC_PEER, address: pair.address, pids: pair.children.map((child) => child.pid as number) });
    } else {
      skipped.push({ name: GRPC_PEER, reason: noOpenssl });
    }
    targets.push({ name: GRPC_MESH, address: client.outbound, pids: sidecars.map((sidecar) => sidecar.pid) });
    const result: GrpcBenchResult = {
      options,
      targets: targets.map((target) => ({ name: target.name, rounds: [] })),
      skipped,
    };
    for (let round = 1; round <= options.rounds; round++) {
      for (const [index, target] of targets.entries()) {
        const cpuBefore = totalCpuSeconds(target.pids);
        const load = await runWorker(target.address, SERVICE, options);
        const cpu = totalCpuSeconds(target.pids) - cpuBefore;
        const figures: GrpcRound = {
          callsPerSecond: load.calls / load.elapsedS,
          errors: load.errors,
          p50Us: percentile(load.latenciesUs, 50),
          p99Us: percentile(load.latenciesUs, 99),
          // The proxies also work through the warm-up, whose calls are not counted: scale to the measured share.
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
    await Promise.all([...sidecars.map((sidecar) => sidecar.stop()), ...peers.map(stopChild)]);
    rmSync(peerDir, { recursive: true, force: true });
    await controlPlane.stop();
    await server.stop();
  }
}
