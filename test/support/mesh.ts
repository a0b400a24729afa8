// The smallest mesh the end-to-end tests share: a control plane, and backend-1 and frontend-1 apps
// each with its own sidecar, ready once the frontend's sidecar routes to the backend.
import { after, before } from 'node:test';
import { startNamedApp, type TestApp } from './apps.js';
import { httpRequest } from './http.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from './processes.js';

export interface TwoServiceMesh {
  /** Replaceable: a test that restarts the control plane puts the new one here, and stop() stops it. */
  controlPlane: ControlPlaneProcess;
  backend: SidecarProcess;
  frontend: SidecarProcess;
  /** Apps a test adds are stopped with the mesh. */
  apps: TestApp[];
  stop(): Promise<void>;
}

/**
 * `sidecarEnv` is added to both sidecars' environment (e.g. where they export spans);
 * `controlPlaneArgs` to the control plane's command line (e.g. --config-dir).
 */
export async function startTwoServiceMesh(
  sidecarEnv: Record<string, string> = {},
  controlPlaneArgs: string[] = [],
): Promise<TwoServiceMesh> {
  const controlPlane = await startControlPlane(controlPlaneArgs);
  const backendApp = await startNamedApp('backend-1');
  const frontendApp = await startNamedApp('frontend-1');
  const backend = await startSidecar({
    service: 'backend',
    instanceId: 'backend-1',
    appPort: backendApp.port,
    controlPlane: controlPlane.grpc,
    env: sidecarEnv,
  });
  const frontend = await startSidecar({
    service: 'frontend',
    instanceId: 'frontend-1',
    appPort: frontendApp.port,
    controlPlane: controlPlane.grpc,
    env: sidecarEnv,
  });
  const mesh: TwoServiceMesh = {
    controlPlane,
    backend,
    frontend,
    apps: [backendApp, frontendApp],
    async stop() {
      await Promise.all([backend.stop(), frontend.stop()]);
      await Promise.all(mesh.apps.map((app) => app.close()));
      await mesh.controlPlane.stop();
    },
  };
  await waitFor(
    async () => (await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } })).status === 200,
    'backend routable from frontend',
  );
  return mesh;
}

/** Starts the mesh before the suite's tests and stops it after them; tests read `current`. */
export function useTwoServiceMesh(): { readonly current: TwoServiceMesh } {
  const holder = {} as { current: TwoServiceMesh };
  before(async () => {
    holder.current = await startTwoServiceMesh();
  });
  after(async () => {
    await holder.current?.stop();
  });
  return holder;
}
