import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { waitFor } from '../../../test/support/processes.js';
import { followTrustBundleFile } from './trust-bundle-file.js';

const root = (name: string) => `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`;

describe('following --ca-file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-ca-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('tells of roots written in place, and of a file renamed over the old one', async () => {
    const file = join(dir, 'trust-bundle.pem');
    writeFileSync(file, root('old'));
    let changes = 0;
    const failures: Error[] = [];
    const following = followTrustBundleFile(
      file,
      () => changes++,
      (error) => failures.push(error),
    );
    try {
      writeFileSync(file, root('old') + root('next'));
      await waitFor(() => changes === 1, 'the roots written in place to be told');
      writeFileSync(join(dir, 'bundle.tmp'), root('next'));
      renameSync(join(dir, 'bundle.tmp'), file);
      await waitFor(() => changes === 2, 'the file renamed over the old one to be told');
      assert.deepEqual(failures, []);
    } finally {
      following.stop();
    }
  });
});
