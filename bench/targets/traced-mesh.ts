// The mesh path with every request traced (issue 6's cost at its most): a MeshConfig sampling 100%
// of new traces, each sidecar exporting its spans over OTLP/HTTP to the benchmark's sink. The
// plain mesh targets run at the default 1% against the same sink.
import { startConfiguredMeshTarget } from './configured-mesh.js';
import type { Upstream } from './peers.js';
import type { Target } from './target.js';

export const TRACED_MESH = 'mesh, tracing 100%';

const MESH_CONFIG = `apiVersion: pilotfish.dev/v1
kind: MeshConfig
metadata: { name: mesh }
spec:
  tracing: { sampling: 100 }
`;

// What a sidecar logs once it samples every new trace.
const SAMPLING_ALL = '"traceSampling":1,';

export function startTracedMeshTarget(
  upstream: Upstream,
  sidecarEnv: Record<string, string>,
  profileDir?: string,
): Promise<Target> {
  return startConfiguredMeshTarget(upstream, {
    name: TRACED_MESH,
    config: MESH_CONFIG,
    isConfigured: async (client, server) =>
      client.logs().includes(SAMPLING_ALL) && server.logs().includes(SAMPLING_ALL),
    configuredWhat: 'both sidecars to sample 100% of new traces',
    sidecarEnv,
    profileDir,
  });
}
