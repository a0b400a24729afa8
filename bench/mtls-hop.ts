// The cost of mutual TLS between sidecars: the same two-sidecar path (client → sidecar A outbound →
// sidecar B inbound → app) with PeerAuthentication DISABLE (plaintext hop) and STRICT (mTLS hop), in
// one run, as CPU seconds of both sidecars per request at a fixed concurrency over pooled
// connections; and full mTLS handshakes per second, each request on a new connection to sidecar B.
// Run: node dist/bench/mtls-hop.js [requests]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../test/support/http.js';
import { startTwoServiceMesh } from '../test/support/mesh.js';
import { issueSvid, mutualTlsRequest } from '../test/support/workload-certificates.js';
import { totalCpuSeconds } from './measure/proc-stat.js';

const REQUESTS = Number(process.argv[2] ?? 4000);
const CONCURRENCY = 8;
const HANDSHAKES = 200;

async function measure(mode: 'DISABLE' | 'STRICT'): Promise<{ cpuMsPerRequest: number; handshakesPerSecond?: number }> {
  const configDir = mkdtempSync(join(tmpdir(), 'pilotfish-mtls-bench-'));
  writeFileSync(
    join(configDir, 'mesh.yaml'),
    `apiVersion: pilotfish.dev/v1\nkind: PeerAuthentication\nmetadata: { name: mesh, namespace: pilotfish-system }\nspec:\n  mtls: { mode: ${mode} }\n`,
  );
  const mesh = await startTwoServiceMesh({}, ['--config-dir', configDir]);
  try {
    const send = async (count: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next++ < count) {
            const result = await httpRequest(mesh.frontend.outbound, '/', { headers: { host: 'backend' } });
            if (result.status !== 200) throw new Error(`${mode}: status ${result.status}: ${result.body}`);
          }
        }),
      );
    };
    await send(REQUESTS / 10);
    const pids = [mesh.frontend.pid, mesh.backend.pid];
    const before = totalCpuSeconds(pids);
    await send(REQUESTS);
    const cpuMsPerRequest = ((totalCpuSeconds(pids) - before) * 1000) / REQUESTS;
    if (mode === 'DISABLE') return { cpuMsPerRequest };
    const caller = await issueSvid(mesh.controlPlane.stateDir as string, 'frontend');
    const started = performance.now();
    for (let i = 0; i < HANDSHAKES; i++) await mutualTlsRequest(mesh.backend.inbound, '/', caller, caller.ca);
    return { cpuMsPerRequest, handshakesPerSecond: (HANDSHAKES * 1000) / (performance.now() - started) };
  } finally {
    await mesh.stop();
    rmSync(configDir, { recursive: true, force: true });
  }
}

const plaintext = await measure('DISABLE');
const mtls = await measure('STRICT');
console.log(
  JSON.stringify({
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    plaintextCpuMsPerRequest: Number(plaintext.cpuMsPerRequest.toFixed(3)),
    mtlsCpuMsPerRequest: Number(mtls.cpuMsPerRequest.toFixed(3)),
    ratio: Number((mtls.cpuMsPerRequest / plaintext.cpuMsPerRequest).toFixed(3)),
    handshakesPerSecond: Number((mtls.handshakesPerSecond ?? 0).toFixed(1)),
  }),
);
