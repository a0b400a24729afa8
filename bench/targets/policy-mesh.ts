// The mesh path with a realistic policy set in force (issue 4's cost): a route table of 100 rules
// (99 that a request is matched against and passes over, then the catch-all with retries and a
// timeout), outlier detection and connection limits on the destination, and a rate limit at the
// destination's inbound with a quota no run reaches — so every request pays for each check.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../../test/support/http.js';
import { startControlPlane, startSidecar, waitFor, type SidecarProcess } from '../../test/support/processes.js';
import type { Upstream } from './peers.js';
import type { Target } from './target.js';

const RULES = 100;

export function realisticPolicies(): string {
  const rules = Array.from({ length: RULES - 1 }, (_, i) => `    - match: [{ path: { prefix: /api/v${i + 1}/ }, headers: { x-tenant: { exact: tenant-${i} } } }]\n      destinations: [{ service: upstream }]\n`);
  return `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: upstream }
spec:
  host: upstream
  rules:
${rules.join('')}    - destinations: [{ service: upstream }]
      timeout: 5s
      retries: { attempts: 2, retryOn: [5xx, connect-failure, reset] }
---
apiVersion: pilotfish.dev/v1
kind: DestinationPolicy
metadata: { name: upstream }
spec:
  host: upstream
  connectionPool: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024 }
  outlierDetection: { consecutive5xx: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
---
apiVersion: pilotfish.dev/v1
kind: RateLimit
metadata: { name: upstream }
spec:
  host: upstream
  limits:
    - { requests: 1000000000, per: 1s }
`;
}

export async function startPolicyMeshTarget(upstream: Upstream, profileDir?: string): Promise<Target> {
  const configDir = await mkdtemp(join(tmpdir(), 'pilotfish-bench-policy-'));
  await writeFile(join(configDir, 'policies.yaml'), realisticPolicies());
  const controlPlane = await startControlPlane(['--config-dir', configDir]);
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const sidecars: SidecarProcess[] = [];
  const stop = async () => {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    await controlPlane.stop();
    await rm(configDir, { recursive: true, force: true });
  };
  try {
    const server = await startSidecar({ service: 'upstream', instanceId: 'upstream-1', appPort: upstream.port, controlPlane: controlPlane.grpc, nodeArgs });
    sidecars.push(server);
    const client = await startSidecar({ service: 'client', instanceId: 'client-1', appPort: upstream.port, controlPlane: controlPlane.grpc, nodeArgs });
    sidecars.push(client);
    const configDump = async (sidecar: SidecarProcess) => (await fetch(`http://${sidecar.admin}/config_dump`)).text();
    await waitFor(async () => (await configDump(client)).includes('outlier_detection') && (await configDump(server)).includes('max_tokens'), 'the policies on both sidecars');
    await waitFor(async () => (await httpRequest(client.outbound, '/', { headers: { host: 'upstream' } })).status === 200, 'the mesh path to answer');
    return { name: 'mesh + policies', address: client.outbound, host: 'upstream', proxyPids: () => [client.pid, server.pid], stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
