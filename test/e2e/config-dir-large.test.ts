// Large files in the config folder while a sidecar holds a short lease: a 50 MB file is refused by
// its size, unread, and a file just under the limit is parsed off the event loop; the control plane
// stays ready and the sidecar keeps its 10 s lease throughout.
import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { largeConfig } from '../support/hostile-config.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';

interface ConfigView {
  version: number;
  lastRejection: { messages: string[] } | null;
}

describe('control plane config folder with large files', () => {
  let configDir: string;
  let controlPlane: ControlPlaneProcess;
  let app: TestApp;
  let sidecar: SidecarProcess;
  const readyAnswers: number[] = [];

  const debugConfig = async () =>
    (await (await fetch(`http://${controlPlane.admin}/debug/config`)).json()) as ConfigView;
  /**
   * Asks /ready while `condition` is not met; each answer is kept (a stalled one fails the fetch).
   * The wait is long: parsing a 1 MiB file takes seconds on a loaded machine, off the event loop.
   */
  const waitWhileReady = (condition: () => Promise<boolean>, what: string) =>
    waitFor(
      async () => {
        readyAnswers.push(
          (await fetch(`http://${controlPlane.admin}/ready`, { signal: AbortSignal.timeout(5000) })).status,
        );
        return condition();
      },
      what,
      60_000,
    );

  before(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'pilotfish-config-large-'));
    controlPlane = await startControlPlane(['--config-dir', configDir]);
    app = await startNamedApp('reviews');
    sidecar = await startSidecar({
      service: 'reviews',
      appPort: app.port,
      controlPlane: controlPlane.grpc,
      instanceId: 'reviews-1',
      leaseTtl: 10,
    });
  });

  after(async () => {
    await sidecar?.stop();
    await app?.close();
    await controlPlane?.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  it('refuses a 50 MB file by its size, naming it, and applies a file just under the limit', async () => {
    const dump = join(configDir, 'dump.yaml');
    await writeFile(dump, '');
    await truncate(dump, 50 * 1024 * 1024);
    await writeFile(join(configDir, 'large.yaml'), largeConfig('ratings', 1000 * 1024));
    await waitWhileReady(async () => (await debugConfig()).lastRejection !== null, 'the 50 MB file rejected');
    assert.deepEqual((await debugConfig()).lastRejection?.messages, [
      'dump.yaml: is 50.0 MiB; a config file may hold at most 1 MiB (not read)',
    ]);
    await unlink(join(configDir, 'dump.yaml'));
    await waitWhileReady(async () => (await debugConfig()).version === 1, 'the large file applied');
    assert.ok(
      readyAnswers.every((status) => status === 200),
      `/ready answered ${readyAnswers.join(', ')}`,
    );
  });

  it('keeps the sidecar registered on its first lease', async () => {
    const registry = (await (await fetch(`http://${controlPlane.admin}/debug/registry`)).json()) as {
      services: Array<{ name: string; instances: Array<{ instance_id: string }> }>;
    };
    assert.deepEqual(
      registry.services
        .find((service) => service.name === 'reviews')
        ?.instances.map((instance) => instance.instance_id),
      ['reviews-1'],
    );
    assert.doesNotMatch(sidecar.logs(), /lease unknown to the control plane/);
  });
});
