// The mesh path with the sidecar's features switched on or off one by one, for the per-feature cost
// table (bench/feature-cost.ts): Istio metrics (a sidecar flag), the access log and tracing (a
// MeshConfig), and policies (a Route with a timeout, retries and a fault that never fires; a
// DestinationPolicy with connection limits and outlier detection; a rate limit no run reaches).
import type { SidecarProcess } from '../../test/support/processes.js';
import { startConfiguredMeshTarget } from './configured-mesh.js';
import { DESTINATION_POLICIES } from './policy-mesh.js';
import type { Upstream } from './peers.js';
import type { Target } from './target.js';

export const FEATURES = ['metrics', 'access log', 'tracing', 'policies'] as const;
export type Feature = (typeof FEATURES)[number];

const POLICIES = `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: upstream }
spec:
  host: upstream
  rules:
    - destinations: [{ service: upstream }]
      timeout: 5s
      retries: { attempts: 2, retryOn: [5xx, connect-failure, reset] }
      fault: { delay: { fixed: 1s, percent: 0 }, abort: { status: 503, percent: 0 } }
---
${DESTINATION_POLICIES}`;

/** The config folder's YAML with `on` in force: tracing at Istio's 1% or not at all; without policies, no default retries either. */
export function featureConfig(on: ReadonlySet<Feature>): string {
  const mesh = `apiVersion: pilotfish.dev/v1
kind: MeshConfig
metadata: { name: mesh }
spec:
  tracing: { sampling: ${on.has('tracing') ? 1 : 0} }
  accessLog: { enabled: ${on.has('access log')} }
${on.has('policies') ? '' : '  defaultRetries: { attempts: 0 }\n'}`;
  return on.has('policies') ? `${mesh}---\n${POLICIES}` : mesh;
}

// What a sidecar logs once it samples no new trace.
const SAMPLING_NONE = '"traceSampling":0,';

export function startFeatureMeshTarget(
  upstream: Upstream,
  name: string,
  on: ReadonlySet<Feature>,
  sidecarEnv: Record<string, string>,
): Promise<Target> {
  const isConfigured = async (sidecar: SidecarProcess, policyMark: string) => {
    const dump = await (await fetch(`http://${sidecar.admin}/config_dump`)).text();
    return (
      (!on.has('policies') || dump.includes(policyMark)) &&
      (!on.has('access log') || dump.includes('envoy.access_loggers.stdout')) &&
      (on.has('tracing') || sidecar.logs().includes(SAMPLING_NONE))
    );
  };
  return startConfiguredMeshTarget(upstream, {
    name,
    config: featureConfig(on),
    isConfigured: async (client, server) =>
      (await isConfigured(client, 'outlier_detection')) && (await isConfigured(server, 'max_tokens')),
    configuredWhat: `the config of "${name}" on both sidecars`,
    sidecarEnv,
    sidecarArgs: on.has('metrics') ? [] : ['--no-request-metrics'],
  });
}
