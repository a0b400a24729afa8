// Static stability: a sidecar keeps its last accepted config on disk, serves it when it starts while
// no control plane answers, says so on /ready and in a metric, and switches to live config when a
// control plane answers.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { httpRequest, servedBy } from '../support/http.js';
import { sample, scrape } from '../support/metrics.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';
import { register, registryClient } from '../support/registry-client.js';

async function registerBackend(controlPlane: ControlPlaneProcess, port: number): Promise<void> {
  const client = registryClient(controlPlane.grpc);
  const instance = { service: 'backend', instance_id: 'backend-1', address: '127.0.0.1', port };
  await register(client, { instance, ttl_seconds: 600 });
  client.close();
}

async function configSource(sidecar: SidecarProcess, source: string): Promise<number> {
  return sample(await scrape(sidecar.admin), 'pilotfish_sidecar_config_source', { source });
}

async function ready(sidecar: SidecarProcess): Promise<string> {
  const answer = await fetch(`http://${sidecar.admin}/ready`);
  assert.equal(answer.status, 200);
  return answer.text();
}

describe('config cache', () => {
  let dir: string;
  let controlPlane: ControlPlaneProcess;
  const apps: TestApp[] = [];
  const sidecars: SidecarProcess[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pilotfish-sidecar-cache-'));
    controlPlane = await startControlPlane();
    apps.push(await startNamedApp('backend-1'), await startNamedApp('frontend-1'));
    await registerBackend(controlPlane, (apps[0] as TestApp).port);
  });

  after(async () => {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    await Promise.all(apps.map((app) => app.close()));
    await controlPlane.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function startFrontend(controlPlaneAddress: string, cacheDir: string): Promise<SidecarProcess> {
    return startSidecar({
      service: 'frontend',
      instanceId: 'frontend-1',
      appPort: (apps[1] as TestApp).port,
      controlPlane: controlPlaneAddress,
      extraArgs: ['--config-cache', cacheDir, '--config-cache-wait', '1'],
    }).then((sidecar) => {
      sidecars.push(sidecar);
      return sidecar;
    });
  }

  async function routesToBackend(sidecar: SidecarProcess): Promise<boolean> {
    const result = await httpRequest(sidecar.outbound, '/', { headers: { host: 'backend' } });
    return result.status === 200 && servedBy(result) === 'backend-1';
  }

  it('serves the cached config while no control plane runs, then switches to live config when one answers', async () => {
    const cacheDir = join(dir, 'frontend');
    const first = await startFrontend(controlPlane.grpc, cacheDir);
    await waitFor(() => routesToBackend(first), 'backend routable from frontend');
    assert.equal(await ready(first), 'LIVE\n');
    assert.equal(await configSource(first, 'control_plane'), 1);
    const file = join(cacheDir, 'xds-config.json');
    await waitFor(async () => (await stat(file)).size > 0, 'the accepted config to be written');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(await first.stop(), 0);
    await controlPlane.stop('SIGKILL');

    const second = await startFrontend(controlPlane.grpc, cacheDir);
    assert.match(
      await ready(second),
      /^LIVE: serving the config cached at \S+ \(Cluster \w+, .*\) until a control plane answers\n$/,
    );
    assert.equal(await configSource(second, 'cache'), 1);
    assert.equal(await routesToBackend(second), true, 'the cached config routes to the backend');
    assert.match(second.logs(), /no control plane answered; serving the cached config until one does/);

    // A new control plane on the same address; it waits for nothing the sidecar holds past 2 s.
    controlPlane = await startControlPlane(['--grpc-listen', controlPlane.grpc, '--default-ttl', '2']);
    await registerBackend(controlPlane, (apps[0] as TestApp).port);
    await waitFor(
      async () => (await configSource(second, 'control_plane')) === 1,
      'the sidecar to switch to live config',
    );
    assert.equal(await ready(second), 'LIVE\n');
    assert.equal(await routesToBackend(second), true);
  });

  it('starts on live config, with a warning, when its cache file is corrupt', async () => {
    const cacheDir = join(dir, 'corrupt');
    await mkdir(cacheDir);
    await writeFile(join(cacheDir, 'xds-config.json'), '{"format": "pilotfish.sidecar.config-cache/v1", "types": [');
    const sidecar = await startFrontend(controlPlane.grpc, cacheDir);
    const warning = sidecar
      .logs()
      .split('\n')
      .find((line) => line.includes('cached config corrupt or not for this sidecar; starting without it'));
    assert.match(warning ?? 'no warning', /"reason":"not JSON/);
    assert.equal(await configSource(sidecar, 'control_plane'), 1);
    await waitFor(() => routesToBackend(sidecar), 'backend routable from frontend');
  });
});
