// Starts the demo mesh as child processes of this node: the control plane, then each app with its
// sidecar, and returns once every component is ready and every instance is registered. The
// control plane has a state dir: its port is TLS, and each sidecar proves itself with a token.
import { join } from 'node:path';
import { packageRoot } from '../../proto/paths.js';
import type { DemoCredentials } from './demo-credentials.js';
import type { AppLayout, MeshLayout } from './mesh-layout.js';
import type { ProcessGroup } from './process-group.js';
import { isHttpOk, isListening, isRegistered } from './readiness.js';

/** A running component as the demo prints it. */
export interface Component {
  name: string;
  pid: number | undefined;
  listeners: string;
  adminUrls: string[];
}

export const cliPath = join(packageRoot, 'dist', 'cli', 'main.js');
const appsDir = join(packageRoot, 'dist', 'examples', 'demo');
/** The demo's config folder, watched by its control plane (MeshConfig: every request traced). */
export const demoConfigDir = join(packageRoot, 'examples', 'demo', 'config');

/** `otlpEndpoint`: where the sidecars export spans (their OTEL_EXPORTER_OTLP_ENDPOINT). */
export async function startMesh(
  group: ProcessGroup,
  layout: MeshLayout,
  otlpEndpoint: string,
  credentials: DemoCredentials,
): Promise<Component[]> {
  const { grpc, admin } = layout.controlPlane;
  const controlPlane = group.start('control-plane', 'control-plane', cliPath, [
    'control-plane',
    '--grpc-listen',
    grpc,
    '--admin-listen',
    admin,
    '--config-dir',
    demoConfigDir,
    '--state-dir',
    credentials.stateDir,
  ]);
  await group.waitUntil(controlPlane, 'ready', () => isHttpOk(`http://${admin}/ready`));
  // Backends first, registered before the frontend's sidecar connects, so its first config already
  // holds both backend endpoints and the first requests do not fail.
  const backends = await Promise.all(
    layout.backends.map((app) => startApp(group, layout, app, otlpEndpoint, credentials)),
  );
  const frontend = await startApp(group, layout, layout.frontend, otlpEndpoint, credentials);
  return [
    {
      name: controlPlane.name,
      pid: controlPlane.pid,
      listeners: `grpc ${grpc}  admin ${admin}`,
      adminUrls: ['/ready', '/debug/registry', '/debug/proxies'].map((path) => `http://${admin}${path}`),
    },
    ...backends.flat(),
    ...frontend,
  ];
}

async function startApp(
  group: ProcessGroup,
  layout: MeshLayout,
  app: AppLayout,
  otlpEndpoint: string,
  credentials: DemoCredentials,
): Promise<Component[]> {
  const appProcess = group.start(
    `${app.instance} app`,
    'app',
    join(appsDir, `${app.service}.js`),
    [String(app.appPort), app.instance],
    {
      PILOTFISH_OUTBOUND: app.outbound,
    },
  );
  const sidecar = group.start(
    `${app.instance} sidecar`,
    'sidecar',
    cliPath,
    [
      'sidecar',
      ...[
        '--service',
        app.service,
        '--instance-id',
        app.instance,
        '--labels',
        app.labels,
        '--app-port',
        String(app.appPort),
      ],
      ...[
        '--control-plane',
        layout.controlPlane.grpc,
        '--inbound-listen',
        app.inbound,
        '--outbound-listen',
        app.outbound,
        '--admin-listen',
        app.admin,
      ],
      ...['--token-file', credentials.tokenFile(app.service, app.instance), '--ca-file', credentials.caFile],
    ],
    { OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint },
  );
  await Promise.all([
    group.waitUntil(appProcess, 'listening', () => isListening('127.0.0.1', app.appPort)),
    group.waitUntil(sidecar, 'ready', () => isHttpOk(`http://${app.admin}/ready`)),
    group.waitUntil(sidecar, 'registered', () => isRegistered(layout.controlPlane.admin, app.instance)),
  ]);
  return [
    { name: appProcess.name, pid: appProcess.pid, listeners: `http 127.0.0.1:${app.appPort}`, adminUrls: [] },
    {
      name: sidecar.name,
      pid: sidecar.pid,
      listeners: `inbound ${app.inbound}  outbound ${app.outbound}  admin ${app.admin}`,
      adminUrls: ['/ready', '/config_dump', '/clusters'].map((path) => `http://${app.admin}${path}`),
    },
  ];
}
