// The config folder and the Config API given input meant to hurt (an alias bomb) or laid out by
// Kubernetes (a mounted ConfigMap). The control plane must start with a bad file present, reject it
// by name and line, keep the last good config and keep serving; and read a ConfigMap's links,
// taking the swap of its `..data` link as one change.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConfigClient } from '../../proto/gen/pilotfish/v1/Config.js';
import type { ConfigEvent__Output } from '../../proto/gen/pilotfish/v1/ConfigEvent.js';
import { pilotfish } from '../../proto/pilotfish.js';
import { callerCredentials } from '../support/mesh-security.js';
import { aliasBomb } from '../support/hostile-config.js';
import { startControlPlane, waitFor, type ControlPlaneProcess } from '../support/processes.js';

const SERVICE = `apiVersion: pilotfish.dev/v1
kind: Service
metadata: { name: reviews }
spec: {}
`;

const BOMB_REJECTED =
  'bomb.yaml:9: ServiceConfig "ratings": not valid config: its aliases expand too much (at most 100 alias expansions per document)';

describe('control plane config folder with an alias bomb', () => {
  let configDir: string;
  let controlPlane: ControlPlaneProcess;
  let config: ConfigClient;
  const debugConfig = async () =>
    (await (await fetch(`http://${controlPlane.admin}/debug/config`)).json()) as {
      version: number;
      lastRejection: { messages: string[] } | null;
    };

  before(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'pilotfish-config-input-'));
    await writeFile(join(configDir, 'service.yaml'), SERVICE);
    await writeFile(join(configDir, 'bomb.yaml'), aliasBomb());
    controlPlane = await startControlPlane(['--config-dir', configDir]);
    config = new pilotfish.Config(controlPlane.grpc, callerCredentials(controlPlane.grpc));
  });

  after(async () => {
    config?.close();
    await controlPlane?.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  it('starts with the bomb in the folder, rejecting that file by name and line', async () => {
    assert.equal((await fetch(`http://${controlPlane.admin}/ready`)).status, 200);
    const view = await debugConfig();
    assert.deepEqual(view.lastRejection?.messages, [BOMB_REJECTED]);
    assert.equal(view.version, 0);
  });

  it('applies the folder once the bomb is gone, and keeps that config when the bomb comes back', async () => {
    await unlink(join(configDir, 'bomb.yaml'));
    await waitFor(async () => (await debugConfig()).version === 1, 'the folder without the bomb applied');
    await writeFile(join(configDir, 'bomb.yaml'), aliasBomb());
    await waitFor(async () => (await debugConfig()).lastRejection !== null, 'the bomb rejected');
    const view = await debugConfig();
    assert.deepEqual(view.lastRejection?.messages, [BOMB_REJECTED]);
    assert.equal(view.version, 1);
    assert.equal((await fetch(`http://${controlPlane.admin}/ready`)).status, 200);
  });

  it('refuses the bomb through the Config API as INVALID_ARGUMENT naming the document', async () => {
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      config.Apply({ yaml: aliasBomb('details'), source: 'bomb.yaml' }, (failure) => resolve(failure)),
    );
    assert.equal(error?.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(
      error?.details,
      'bomb.yaml:9: ServiceConfig "details": not valid config: its aliases expand too much (at most 100 alias expansions per document)',
    );
  });
});

/** The policy and the route of one ConfigMap version: consistent together, rejected if mixed. */
const configMapFiles = (subset: string) => ({
  'policy.yaml': `${SERVICE}---
apiVersion: pilotfish.dev/v1
kind: DestinationPolicy
metadata: { name: reviews }
spec:
  host: reviews
  subsets: [{ name: ${subset}, labels: { version: ${subset} } }]
`,
  'route.yaml': `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews }
spec:
  host: reviews
  rules:
    - destinations: [{ service: reviews, subset: ${subset} }]
`,
});

describe('control plane reading a mounted ConfigMap', () => {
  let root: string;
  let configDir: string;
  let controlPlane: ControlPlaneProcess;
  let config: ConfigClient;

  /** Publishes a ConfigMap version as the kubelet does: a new folder, then one rename of ..data. */
  async function publish(version: string, subset: string): Promise<void> {
    await mkdir(join(configDir, version));
    for (const [name, text] of Object.entries(configMapFiles(subset)))
      await writeFile(join(configDir, version, name), text);
    await symlink(version, join(configDir, '..data_tmp'));
    await rename(join(configDir, '..data_tmp'), join(configDir, '..data'));
  }

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pilotfish-configmap-'));
    configDir = join(root, 'config');
    await mkdir(configDir);
    await publish('..2026_12_06_10_00_00.1', 'v1');
    for (const name of Object.keys(configMapFiles('v1'))) await symlink(`..data/${name}`, join(configDir, name));
    await writeFile(join(root, 'elsewhere.yaml'), SERVICE.replace('reviews', 'elsewhere'));
    await symlink('../elsewhere.yaml', join(configDir, 'escape.yaml'));
    controlPlane = await startControlPlane(['--config-dir', configDir]);
    config = new pilotfish.Config(controlPlane.grpc, callerCredentials(controlPlane.grpc));
  });

  after(async () => {
    config?.close();
    await controlPlane?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const history = () =>
    new Promise<ConfigEvent__Output[]>((resolve, reject) =>
      config.History({}, (error, reply) => (error ? reject(error) : resolve(reply?.versions ?? []))),
    );

  it('reads the files the links name, and skips a link leading outside the folder with a warning naming it', async () => {
    const [first, ...others] = await history();
    assert.equal(others.length, 0);
    assert.deepEqual(first?.changed?.sort(), [
      'DestinationPolicy default/reviews created',
      'Route default/reviews created',
      'Service default/reviews created',
    ]);
    assert.match(
      controlPlane.logs(),
      /"links":\["escape\.yaml -> [^"]*elsewhere\.yaml"\],"msg":"config files linking outside the config folder are skipped"/,
    );
  });

  it('takes the swap of ..data to a new version of every file as one change', async () => {
    await publish('..2026_12_06_10_05_00.2', 'v2');
    await rm(join(configDir, '..2026_12_06_10_00_00.1'), { recursive: true });
    await waitFor(async () => (await history()).length === 2, 'the new ConfigMap version applied');
    const [latest] = await history();
    assert.equal(latest?.version, '2');
    assert.deepEqual(latest?.changed?.sort(), [
      'DestinationPolicy default/reviews updated',
      'Route default/reviews updated',
    ]);
    const metrics = await (await fetch(`http://${controlPlane.admin}/metrics`)).text();
    assert.match(metrics, /^pilotfish_config_rejections_total 0$/m, 'never a mix of the two versions');
  });
});
