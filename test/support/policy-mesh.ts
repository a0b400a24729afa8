// A mesh for traffic policy tests: a control plane watching a config folder, one calling sidecar
// (service "client"), and destination instances that are in-process test apps registered through
// the Registry API, so a test scripts each instance's behaviour. Policies are YAML files written
// into the folder; applyConfig waits until the calling sidecar holds them.
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before } from 'node:test';
import { join } from 'node:path';
import type { RegistryClient } from '../../proto/gen/pilotfish/v1/Registry.js';
import type { TestApp } from './apps.js';
import { startNamedApp } from './apps.js';
import { httpRequest, type HttpResult } from './http.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from './processes.js';
import { register, registryClient } from './registry-client.js';

/** The reviews service's DestinationPolicy with subsets v1 and v2 by the version label. */
export const REVIEWS_SUBSETS = `apiVersion: pilotfish.dev/v1
kind: DestinationPolicy
metadata: { name: reviews }
spec:
  host: reviews
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
`;

export interface PolicyMesh {
  controlPlane: ControlPlaneProcess;
  client: SidecarProcess;
  configDir: string;
  registry: RegistryClient;
  /** Closes `app` when the mesh stops. */
  track<T extends TestApp>(app: T): T;
  /** Registers `app` as an instance of `service` (namespace default) with `labels`. */
  addInstance(service: string, app: TestApp, labels?: Record<string, string>): Promise<string>;
  /** Writes `file` into the config folder and waits until the client's config dump contains `marker`. */
  applyConfig(file: string, yaml: string, marker: string): Promise<void>;
  /** Removes `file` and waits until the client's config dump no longer contains `marker`. */
  removeConfig(file: string, marker: string): Promise<void>;
  /** A request through the client's outbound listener to `host`. */
  request(
    host: string,
    path?: string,
    options?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<HttpResult>;
  /** Waits until the client routes `host` to `count` instances (EDS arrived). */
  waitForEndpoints(cluster: string, count: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPolicyMesh(): Promise<PolicyMesh> {
  const configDir = await mkdtemp(join(tmpdir(), 'pilotfish-policy-'));
  const controlPlane = await startControlPlane(['--config-dir', configDir]);
  const clientApp = await startNamedApp('client');
  const client = await startSidecar({ service: 'client', appPort: clientApp.port, controlPlane: controlPlane.grpc });
  const registry = registryClient(controlPlane.grpc);
  let instances = 0;
  const apps: TestApp[] = [];
  const configDump = async () => (await fetch(`http://${client.admin}/config_dump`)).text();
  return {
    controlPlane,
    client,
    configDir,
    registry,
    track(app) {
      apps.push(app);
      return app;
    },
    async addInstance(service, app, labels = {}) {
      const instanceId = `${service}-${++instances}`;
      const { lease_id: leaseId } = await register(registry, {
        instance: { service, instance_id: instanceId, address: '127.0.0.1', port: app.port, labels },
        ttl_seconds: 3600,
      });
      return leaseId as string;
    },
    async applyConfig(file, yaml, marker) {
      await writeFile(join(configDir, file), yaml);
      await waitFor(
        async () => (await configDump()).includes(marker),
        `the client sidecar to hold ${marker} from ${file}`,
      );
    },
    async removeConfig(file, marker) {
      await unlink(join(configDir, file));
      await waitFor(
        async () => !(await configDump()).includes(marker),
        `the client sidecar to drop ${marker} (${file} removed)`,
      );
    },
    request: (host, path = '/', options = {}) =>
      httpRequest(client.outbound, path, { ...options, headers: { host, ...options.headers } }),
    async waitForEndpoints(cluster, count) {
      await waitFor(async () => {
        const { clusters } = (await (await fetch(`http://${client.admin}/clusters?format=json`)).json()) as {
          clusters: Array<{ name: string; endpoints: unknown[] }>;
        };
        return clusters.find((entry) => entry.name === cluster)?.endpoints.length === count;
      }, `${count} endpoints in cluster ${cluster}`);
    },
    async stop() {
      registry.close();
      await client.stop();
      await controlPlane.stop();
      await Promise.all([clientApp, ...apps].map((app) => app.close()));
      await rm(configDir, { recursive: true, force: true });
    },
  };
}

/** Starts a policy mesh before the suite's tests and stops it (and the apps it tracks) after them. */
export function usePolicyMesh(): { readonly current: PolicyMesh } {
  const holder = {} as { current: PolicyMesh };
  before(async () => {
    holder.current = await startPolicyMesh();
  });
  after(async () => {
    await holder.current?.stop();
  });
  return holder;
}

/** Sends `count` requests, `concurrency` at a time, and counts the answers by the key `send` gives each. */
export async function countAnswers<K>(
  count: number,
  concurrency: number,
  send: () => Promise<K>,
): Promise<Map<K, number>> {
  const counts = new Map<K, number>();
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      sent++;
      const key = await send();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}
