import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readSecretFile, readTokenFile, writeSecretFile } from './secret-file.js';

describe('secret files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-secret-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function fileWithMode(name: string, mode: number, content = 'secret\n'): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  }

  it('writes a secret readable by its owner only, in a folder only its owner opens, even over a wider file', () => {
    const path = join(dir, 'new', 'ca.key');
    writeSecretFile(path, 'key');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'new')).mode & 0o777, 0o700);
    const wide = fileWithMode('wide.key', 0o644);
    writeSecretFile(wide, 'key again');
    assert.equal(statSync(wide).mode & 0o777, 0o600);
    assert.equal(readSecretFile(wide), 'key again');
  });

  for (const mode of [0o600, 0o400]) {
    it(`reads a secret of mode ${mode.toString(8)}`, () => {
      assert.equal(readSecretFile(fileWithMode(`ok-${mode.toString(8)}`, mode)), 'secret\n');
    });
  }

  const refused: Array<[number, string]> = [
    [0o644, 'readable by others (mode 644)'],
    [0o640, 'readable by others (mode 640)'],
    [0o604, 'readable by others (mode 604)'],
    [0o620, 'writable by others (mode 620)'],
  ];
  for (const [mode, says] of refused) {
    it(`refuses a secret of mode ${mode.toString(8)}, naming the file, its mode and the fix`, () => {
      const path = fileWithMode(`open-${mode.toString(8)}`, mode);
      assert.throws(() => readSecretFile(path), {
        message: `${path} is ${says}: a private key or token must be its owner's only (chmod 600 ${path})`,
      });
    });
  }

  it('reads a token trimmed, and refuses one others may read, an empty one and a missing one, naming the flag', () => {
    assert.equal(readTokenFile(fileWithMode('ok.token', 0o600, ' eyJ.token \n')), 'eyJ.token');
    const open = fileWithMode('open.token', 0o644);
    assert.throws(() => readTokenFile(open), {
      message: new RegExp(`^--token-file ${open} is readable by others \\(mode 644\\)`),
    });
    const empty = fileWithMode('empty.token', 0o600, '\n');
    assert.throws(() => readTokenFile(empty, '--admin-token'), { message: `--admin-token ${empty} is empty` });
    const missing = join(dir, 'missing.token');
    assert.throws(() => readTokenFile(missing), { message: `--token-file ${missing}: cannot be read` });
  });
});
