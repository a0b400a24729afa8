// What the demo mesh runs and on which loopback addresses: one control plane, two backend
// instances (v1, v2) and a frontend, each app with its own sidecar.
import { allocatePorts } from './ports.js';

export interface AppLayout {
  service: 'backend' | 'frontend';
  instance: string;
  labels: string;
  /** The app's own port; only its sidecar's inbound listener calls it. */
  appPort: number;
  inbound: string;
  outbound: string;
  admin: string;
}

export interface MeshLayout {
  controlPlane: { grpc: string; admin: string };
  backends: AppLayout[];
  frontend: AppLayout;
}

const APPS = [
  { service: 'backend', instance: 'backend-1', labels: 'version=v1' },
  { service: 'backend', instance: 'backend-2', labels: 'version=v2' },
  { service: 'frontend', instance: 'frontend-1', labels: 'version=v1' },
] as const;

const PORTS_PER_APP = 4;

/** How many ports the mesh listens on: the control plane's two, and four per app. */
export const MESH_PORT_COUNT = 2 + APPS.length * PORTS_PER_APP;

export async function planMesh(basePort?: number): Promise<MeshLayout> {
  return layoutOn(await allocatePorts(MESH_PORT_COUNT, basePort));
}

/** The mesh on these MESH_PORT_COUNT ports, in order: the control plane's, then each app's. */
export function layoutOn(ports: readonly number[]): MeshLayout {
  const address = (index: number) => `127.0.0.1:${ports[index]}`;
  const apps: AppLayout[] = APPS.map((app, index) => {
    const first = 2 + index * PORTS_PER_APP;
    return {
      ...app,
      appPort: ports[first] as number,
      inbound: address(first + 1),
      outbound: address(first + 2),
      admin: address(first + 3),
    };
  });
  return {
    controlPlane: { grpc: address(0), admin: address(1) },
    backends: apps.filter((app) => app.service === 'backend'),
    frontend: apps.find((app) => app.service === 'frontend') as AppLayout,
  };
}
