import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { ControlPlanes, parseControlPlanes } from '../xds/control-planes.js';
import { workloadIdentity } from './workload-identity.js';

describe('workloadIdentity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-workload-identity-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const logger = pino({ level: 'silent' });
  const controlPlanes = new ControlPlanes({
    entries: parseControlPlanes('127.0.0.1:15010', '--control-plane'),
    logger,
  });

  it('refuses at start a token file that others may read, naming the flag, the file and its mode', () => {
    const tokenFile = join(dir, 'backend.token');
    writeFileSync(tokenFile, 'eyJ.token');
    chmodSync(tokenFile, 0o644);
    assert.throws(() => workloadIdentity(controlPlanes, { caFile: join(dir, 'unused.pem'), tokenFile }, logger), {
      message: `--token-file ${tokenFile} is readable by others (mode 644): a private key or token must be its owner's only (chmod 600 ${tokenFile})`,
    });
  });
});
