// The mesh's own targets: one sidecar hop (client → sidecar inbound → app) and the mesh path
// (client → sidecar A outbound → sidecar B inbound → app), with a real control plane; metrics on
// and tracing at its default 1%, exported to `sidecarEnv`'s OTLP endpoint. Sidecar to sidecar is
// mutual TLS (the default); the load client is no sidecar and holds no certificate, so the upstream
// service's PeerAuthentication is PERMISSIVE: the sidecar hop is the plaintext hop.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../../test/support/http.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../../test/support/processes.js';
import type { Upstream } from './peers.js';
import type { Target } from './target.js';

export interface MeshTargets {
  targets: Target[];
  controlPlane: ControlPlaneProcess;
  stop(): Promise<void>;
}

const PLAINTEXT_LOAD_CLIENT = `apiVersion: pilotfish.dev/v1
kind: PeerAuthentication
metadata: { name: upstream, namespace: default }
spec:
  selector: { service: upstream }
  mtls: { mode: PERMISSIVE }
`;

export async function startMeshTargets(
  upstream: Upstream,
  sidecarEnv: Record<string, string>,
  profileDir?: string,
): Promise<MeshTargets> {
  const configDir = mkdtempSync(join(tmpdir(), 'pilotfish-bench-config-'));
  writeFileSync(join(configDir, 'peer-authentication.yaml'), PLAINTEXT_LOAD_CLIENT);
  const controlPlane = await startControlPlane(['--config-dir', configDir]);
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const sidecars: SidecarProcess[] = [];
  const stop = async () => {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    await controlPlane.stop();
    rmSync(configDir, { recursive: true, force: true });
  };
  try {
    const server = await startSidecar({
      service: 'upstream',
      instanceId: 'upstream-1',
      appPort: upstream.port,
      controlPlane: controlPlane.grpc,
      nodeArgs,
      env: sidecarEnv,
    });
    sidecars.push(server);
    // The client's own app is not in the path; the sidecar needs an app port all the same.
    const client = await startSidecar({
      service: 'client',
      instanceId: 'client-1',
      appPort: upstream.port,
      controlPlane: controlPlane.grpc,
      nodeArgs,
      env: sidecarEnv,
    });
    sidecars.push(client);
    await waitFor(
      async () => (await httpRequest(client.outbound, '/', { headers: { host: 'upstream' } })).status === 200,
      'the mesh path to answer',
    );
    return {
      controlPlane,
      stop,
      targets: [
        {
          name: 'sidecar hop',
          address: server.inbound,
          host: 'upstream',
          proxyPids: () => [server.pid],
          admins: () => [server.admin],
          stop: async () => undefined,
        },
        {
          name: 'mesh (2 sidecars)',
          address: client.outbound,
          host: 'upstream',
          proxyPids: () => [client.pid, server.pid],
          admins: () => [client.admin, server.admin],
          stop: async () => undefined,
        },
      ],
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
