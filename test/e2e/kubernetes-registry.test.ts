// The control plane started with --kubeconfig pointing at a replayed Kubernetes API: a sidecar gets
// the cluster's endpoints over EDS beside the instances registered through the Registry API.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../proto/paths.js';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { opensslMissing } from '../support/certificates.js';
import { KubernetesApiReplay, type WatchEvent } from '../support/kubernetes-api.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';

const fixtures = join(packageRoot, 'test', 'fixtures', 'kubernetes');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as T;

const PODS = '/api/v1/pods';

/** A Job's pod injected in classic mode (the sidecar an ordinary container), its app running or exited. */
function jobPod(app: 'running' | number) {
  const state = app === 'running' ? { running: {} } : { terminated: { exitCode: app } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'report-28911540-x7k2p',
      namespace: 'default',
      resourceVersion: app === 'running' ? '2001' : '2002',
    },
    spec: {
      restartPolicy: 'Never',
      containers: [
        { name: 'report', image: 'registry.example/report:1.0' },
        { name: 'pilotfish-proxy', image: 'pilotfish/pilotfish:0.1.0' },
      ],
    },
    status: {
      phase: 'Running',
      podIP: '10.244.3.30',
      containerStatuses: [
        {
          name: 'report',
          image: 'registry.example/report:1.0',
          imageID: '',
          ready: app === 'running',
          restartCount: 0,
          state,
        },
        {
          name: 'pilotfish-proxy',
          image: 'pilotfish/pilotfish:0.1.0',
          imageID: '',
          ready: true,
          restartCount: 0,
          state: { running: {} },
        },
      ],
    },
  };
}

async function endpointsOf(sidecar: SidecarProcess, service: string): Promise<string[]> {
  const { clusters } = (await (await fetch(`http://${sidecar.admin}/clusters?format=json`)).json()) as {
    clusters: Array<{ name: string; endpoints: { address: string; port: number }[] }>;
  };
  const cluster = clusters.find((entry) => entry.name.startsWith(`${service}.`));
  return (cluster?.endpoints ?? []).map((endpoint) => `${endpoint.address}:${endpoint.port}`).sort();
}

describe('control plane with --kubeconfig', { skip: opensslMissing() }, () => {
  let dir: string;
  let api: KubernetesApiReplay;
  let controlPlane: ControlPlaneProcess;
  let app: TestApp;
  let sidecar: SidecarProcess;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilotfish-kube-e2e-'));
    api = await KubernetesApiReplay.start(dir);
    api.setLists(fixture('initial-lists.json'));
    controlPlane = await startControlPlane(['--kubeconfig', api.kubeconfigFile]);
    app = await startNamedApp('frontend-1');
    sidecar = await startSidecar({ service: 'frontend', appPort: app.port, controlPlane: controlPlane.grpc });
  });

  after(async () => {
    await sidecar?.stop();
    await app?.close();
    await controlPlane?.stop();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a sidecar the endpoints of Kubernetes Services over EDS, and their changes as they are watched', async () => {
    await waitFor(
      async () => (await endpointsOf(sidecar, 'backend')).length === 2,
      'the two backend pods in the sidecar',
    );
    assert.deepEqual(await endpointsOf(sidecar, 'backend'), ['10.244.1.5:8080', '10.244.2.7:8080']);
    const events = fixture<Record<string, { path: string; event: WatchEvent }[]>>('watch-events.json');
    await waitFor(() => api.hasOpenWatch('/apis/discovery.k8s.io/v1/endpointslices'), 'the control plane watching');
    for (const { path, event } of [...(events.scaleUp ?? []), ...(events.podTerminating ?? [])]) api.send(path, event);
    await waitFor(
      async () => (await endpointsOf(sidecar, 'backend')).join() === '10.244.2.7:8080,10.244.3.9:8080',
      'the scaled-up backend without its terminating pod',
    );
  });

  it('ends a classic-mode sidecar once its Job pod’s app container has exited', async () => {
    const job = jobPod('running');
    await waitFor(() => api.hasOpenWatch(PODS), 'the control plane watching pods');
    api.send(PODS, { type: 'ADDED', object: job });
    const jobApp = await startNamedApp('report-job');
    const jobSidecar = await startSidecar({
      service: 'report',
      appPort: jobApp.port,
      controlPlane: controlPlane.grpc,
      instanceId: job.metadata.name,
      leaseTtl: 3,
    });
    try {
      api.send(PODS, { type: 'MODIFIED', object: jobPod(0) });
      await waitFor(() => jobSidecar.child.exitCode !== null, 'the job sidecar exited', 30_000);
      assert.equal(jobSidecar.child.exitCode, 0);
      assert.match(jobSidecar.logs(), /the app this sidecar serves has ended; stopping/);
      assert.match(jobSidecar.logs(), /report exited 0; restartPolicy Never/);
    } finally {
      await jobSidecar.stop();
      await jobApp.close();
    }
  });

  it('keeps Registry API instances beside the cluster’s, and shows the ClusterIP as the virtual IP', async () => {
    const { services } = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()) as {
      services: { name: string; virtualIp?: string; instances: unknown[] }[];
    };
    const byName = new Map(services.map((service) => [service.name, service]));
    assert.equal(byName.get('backend')?.virtualIp, '10.96.12.34');
    assert.equal(byName.get('frontend')?.instances.length, 1);
    assert.equal(byName.get('frontend')?.virtualIp, undefined);
  });
});
