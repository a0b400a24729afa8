// The config folder and the Config API given input meant to hurt: an alias bomb. The control plane
// must start with such a file present, reject it by name and line, keep the last good config and
// keep serving.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConfigClient } from '../../proto/gen/pilotfish/v1/Config.js';
import { pilotfish } from '../../proto/pilotfish.js';
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
    config = new pilotfish.Config(controlPlane.grpc, grpc.credentials.createInsecure());
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
