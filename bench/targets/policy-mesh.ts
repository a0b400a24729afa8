// The mesh path with a realistic policy set in force (issue 4's cost): a route table of 100 rules
// (99 that a request is matched against and passes over, then the catch-all with retries and a
// timeout), outlier detection and connection limits on the destination, and a rate limit at the
// destination's inbound with a quota no run reaches — so every request pays for each check.
import type { SidecarProcess } from '../../test/support/processes.js';
import { startConfiguredMeshTarget } from './configured-mesh.js';
import type { Upstream } from './peers.js';
import type { Target } from './target.js';

const RULES = 100;

/** Connection limits and outlier detection on the destination, and a rate limit at its inbound that no run reaches. */
export const DESTINATION_POLICIES = `apiVersion: pilotfish.dev/v1
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

export function realisticPolicies(): string {
  const rules = Array.from(
    { length: RULES - 1 },
    (_, i) =>
      `    - match: [{ path: { prefix: /api/v${i + 1}/ }, headers: { x-tenant: { exact: tenant-${i} } } }]\n      destinations: [{ service: upstream }]\n`,
  );
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
${DESTINATION_POLICIES}`;
}

export function startPolicyMeshTarget(
  upstream: Upstream,
  sidecarEnv: Record<string, string>,
  profileDir?: string,
): Promise<Target> {
  const configDump = async (sidecar: SidecarProcess) => (await fetch(`http://${sidecar.admin}/config_dump`)).text();
  return startConfiguredMeshTarget(upstream, {
    name: 'mesh + policies',
    config: realisticPolicies(),
    isConfigured: async (client, server) =>
      (await configDump(client)).includes('outlier_detection') && (await configDump(server)).includes('max_tokens'),
    configuredWhat: 'the policies on both sidecars',
    sidecarEnv,
    profileDir,
  });
}
