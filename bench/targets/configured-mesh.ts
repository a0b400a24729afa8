// The mesh path (client → sidecar A outbound → sidecar B inbound → app) under a config of its
// own: a control plane watching a folder with the given YAML, and two sidecars that are measured
// once both hold it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../../test/support/http.js';
import { startControlPlane, startSidecar, waitFor, type SidecarProcess } from '../../test/support/processes.js';
import type { Upstream } from './peers.js';
import type { Target } from './target.js';

export interface ConfiguredMeshOptions {
  name: string;
  /** YAML documents for the control plane's config folder. */
  config: string;
  /** True once the calling (client) and called (server) sidecars apply the config. */
  isConfigured(client: SidecarProcess, server: SidecarProcess): Promise<boolean>;
  /** What the config must reach, for the error when it does not. */
  configuredWhat: string;
  sidecarEnv: Record<string, string>;
  /** More options for each `pilotfish sidecar`. */
  sidecarArgs?: string[];
  profileDir?: string;
}

export async function startConfiguredMeshTarget(upstream: Upstream, options: ConfiguredMeshOptions): Promise<Target> {
  const configDir = await mkdtemp(join(tmpdir(), 'pilotfish-bench-'));
  await writeFile(join(configDir, 'config.yaml'), options.config);
  const controlPlane = await startControlPlane(['--config-dir', configDir]);
  const nodeArgs = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const sidecars: SidecarProcess[] = [];
  const stop = async () => {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    await controlPlane.stop();
    await rm(configDir, { recursive: true, force: true });
  };
  try {
    const common = {
      appPort: upstream.port,
      controlPlane: controlPlane.grpc,
      nodeArgs,
      env: options.sidecarEnv,
      extraArgs: options.sidecarArgs,
    };
    const server = await startSidecar({ service: 'upstream', instanceId: 'upstream-1', ...common });
    sidecars.push(server);
    const client = await startSidecar({ service: 'client', instanceId: 'client-1', ...common });
    sidecars.push(client);
    await waitFor(() => options.isConfigured(client, server), options.configuredWhat);
    await waitFor(
      async () => (await httpRequest(client.outbound, '/', { headers: { host: 'upstream' } })).status === 200,
      'the mesh path to answer',
    );
    return {
      name: options.name,
      address: client.outbound,
      host: 'upstream',
      proxyPids: () => [client.pid, server.pid],
      admins: () => [client.admin, server.admin],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
