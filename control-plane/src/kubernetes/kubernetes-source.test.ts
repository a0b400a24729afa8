import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import pino from 'pino';
import { packageRoot } from '../../../proto/paths.js';
import { opensslMissing } from '../../../test/support/certificates.js';
import { KubernetesApiReplay, type WatchEvent } from '../../../test/support/kubernetes-api.js';
import { waitFor } from '../../../test/support/processes.js';
import type { ServiceView } from '../registry/registry.js';
import { loadKubeConfig } from './kube-config.js';
import { KubernetesSource } from './kubernetes-source.js';

const fixtures = join(packageRoot, 'test', 'fixtures', 'kubernetes');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as T;
const watchEvents = fixture<Record<string, { path: string; event: WatchEvent }[]>>('watch-events.json');

const SERVICES = '/api/v1/services';
const SLICES = '/apis/discovery.k8s.io/v1/endpointslices';
const PODS = '/api/v1/pods';

/** Each service as `namespace/name vip: instance@address:port …`, the registry as a reader sees it. */
function summary(services: ServiceView[]): string[] {
  return services.map(
    (service) =>
      `${service.namespace}/${service.name} ${service.virtualIp ?? '-'}: ${service.instances
        .map((instance) => `${instance.instanceId}@${instance.address}:${instance.port}`)
        .join(' ')}`,
  );
}

const INITIAL = [
  'default/backend 10.96.12.34: backend-7d9f8-q8r2m@10.244.2.7:8080 backend-7d9f8-x2k4p@10.244.1.5:8080',
];

// A stop() racing an in-flight watch request once left a watch open and the replayed API server
// waiting on it for good (fixed by StoppableWatch and a close() that destroys every connection);
// the bound keeps any such hang a failure that names this file.
describe('KubernetesSource against a replayed API server', { skip: opensslMissing(), timeout: 120_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function started(): Promise<{ api: KubernetesApiReplay; source: KubernetesSource }> {
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-kube-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const api = await KubernetesApiReplay.start(dir);
    cleanups.push(() => api.close());
    api.setLists(fixture('initial-lists.json'));
    const source = new KubernetesSource({
      kubeConfig: loadKubeConfig(api.kubeconfigFile),
      logger: pino({ level: 'silent' }),
      retryDelayMs: 10,
    });
    cleanups.push(() => source.stop());
    await source.start();
    await waitFor(() => [SERVICES, SLICES, PODS].every((path) => api.hasOpenWatch(path)), 'all three watches open');
    return { api, source };
  }

  function replay(api: KubernetesApiReplay, step: string): void {
    for (const { path, event } of watchEvents[step] ?? []) api.send(path, event);
  }

  async function converged(source: KubernetesSource, expected: string[], what: string): Promise<void> {
    await waitFor(() => JSON.stringify(summary(source.services())) === JSON.stringify(expected), what).catch(
      (error: Error) => {
        assert.deepEqual(summary(source.services()), expected, error.message);
      },
    );
  }

  it('lists Services, EndpointSlices and Pods into services with their ClusterIP, pod labels and service account', async () => {
    const { source } = await started();
    assert.deepEqual(summary(source.services()), INITIAL);
    const [instance] = source.services()[0]?.instances ?? [];
    assert.deepEqual(instance?.labels, { app: 'backend', version: 'v1', 'pod-template-hash': '7d9f8' });
    assert.equal(instance?.serviceAccount, 'backend');
    assert.equal(instance?.protocol, 'http');
  });

  it('converges on watched ADDED, MODIFIED and DELETED events; a BOOKMARK moves the resume point only', async () => {
    const { api, source } = await started();
    replay(api, 'scaleUp');
    await converged(
      source,
      [
        'default/backend 10.96.12.34: backend-7d9f8-m3n5t@10.244.3.9:8080 backend-7d9f8-q8r2m@10.244.2.7:8080 backend-7d9f8-x2k4p@10.244.1.5:8080',
      ],
      'the third backend pod',
    );
    assert.equal(source.services()[0]?.instances[0]?.labels.version, 'v2');
    replay(api, 'newService');
    await waitFor(() => source.services().length === 2, 'the payments service');
    const payments = source.services()[1];
    assert.equal(payments?.virtualIp, '10.96.40.2');
    assert.deepEqual(
      payments?.instances.map((instance) => [instance.instanceId, instance.port, instance.protocol]),
      [['10.244.2.20', 9090, 'grpc']],
    );

    replay(api, 'bookmark');
    const watches = api.watchCount(SLICES);
    api.endWatch(SLICES);
    await waitFor(() => api.watchCount(SLICES) > watches, 'the EndpointSlice watch resumed');
    const resumed = api.requests.filter((request) => request.path === SLICES && request.isWatch).at(-1);
    assert.equal(resumed?.resourceVersion, '1005', 'resumed from the bookmark');
    await waitFor(() => api.hasOpenWatch(SLICES), 'the EndpointSlice watch open again');

    replay(api, 'podTerminating');
    replay(api, 'podDeleted');
    replay(api, 'serviceDeleted');
    await converged(
      source,
      ['default/backend 10.96.12.34: backend-7d9f8-m3n5t@10.244.3.9:8080 backend-7d9f8-q8r2m@10.244.2.7:8080'],
      'the terminated pod and the deleted service gone',
    );
    assert.equal(api.requests.filter((request) => !request.isWatch).length, 3, 'one list per kind, no relist');
  });

  it('relists after a 410 Gone (as a watch event or as the watch answer) and drops what was deleted meanwhile', async () => {
    const { api, source } = await started();
    replay(api, 'scaleUp');
    replay(api, 'newService');
    await waitFor(() => source.services().length === 2, 'the payments service');

    api.setLists(fixture('relist-after-gone.json'));
    api.send(SERVICES, fixture('watch-410-gone.json'));
    api.endWatch(SERVICES);
    api.answerNextWatch(SLICES, 410, fixture<WatchEvent>('watch-410-gone.json').object);
    api.endWatch(SLICES);
    await converged(
      source,
      ['default/backend 10.96.12.34: backend-7d9f8-m3n5t@10.244.3.9:8080 backend-7d9f8-q8r2m@10.244.2.7:8080'],
      'the registry as the relist shows it',
    );
    const lists = (path: string) => api.requests.filter((request) => request.path === path && !request.isWatch).length;
    assert.deepEqual([lists(SERVICES), lists(SLICES), lists(PODS)], [2, 2, 1]);
  });

  it('resumes a dropped watch connection from the last resourceVersion seen, without relisting', async () => {
    const { api, source } = await started();
    const watches = api.watchCount(SLICES);
    api.dropWatch(SLICES);
    await waitFor(() => api.hasOpenWatch(SLICES) && api.watchCount(SLICES) > watches, 'the EndpointSlice watch back');
    const resumed = api.requests.filter((request) => request.path === SLICES && request.isWatch).at(-1);
    assert.equal(resumed?.resourceVersion, '1000');
    replay(api, 'scaleUp');
    await waitFor(() => source.services()[0]?.instances.length === 3, 'the third backend pod after the drop');
    assert.equal(api.requests.filter((request) => !request.isWatch).length, 3, 'no relist');
  });

  it('leaves no watch open when stopped while a watch request is in flight', async () => {
    const { api, source } = await started();
    const release = api.holdWatches(SLICES);
    api.endWatch(SLICES);
    await waitFor(() => api.heldWatchCount(SLICES) === 1, 'the EndpointSlice watch request in flight');
    await source.stop();
    release();
    await waitFor(() => !api.hasOpenWatch(SLICES), 'the watch answered after stop() closed by the client');
  });

  it('tells its listeners of each change', async () => {
    const { api, source } = await started();
    let changes = 0;
    source.onChange(() => changes++);
    const revision = source.revision;
    replay(api, 'newService');
    await waitFor(() => changes >= 2, 'two change notifications');
    assert.ok(source.revision > revision);
  });
});
