import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_FILE_BYTES, readConfigDir } from './config-dir-read.js';

describe('reading the config folder', () => {
  let root: string;
  let dir: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pilotfish-config-read-'));
    dir = join(root, 'config');
    // A mounted ConfigMap: each key a link through ..data to the current timestamped folder.
    await mkdir(join(dir, '..2026_12_06_10_00_00.1'), { recursive: true });
    await writeFile(join(dir, '..2026_12_06_10_00_00.1', 'routes.yaml'), 'routes: 1\n');
    await writeFile(join(dir, '..2026_12_06_10_00_00.1', 'policies.yml'), 'policies: 1\n');
    await symlink('..2026_12_06_10_00_00.1', join(dir, '..data'));
    await symlink('..data/routes.yaml', join(dir, 'routes.yaml'));
    await symlink('..data/policies.yml', join(dir, 'policies.yml'));
    await writeFile(join(root, 'secret.yaml'), 'not: config\n');
    await symlink('../secret.yaml', join(dir, 'escape.yaml'));
    await writeFile(join(dir, 'plain.yaml'), 'plain: 1\n');
    await writeFile(join(dir, 'huge.yaml'), Buffer.alloc(MAX_FILE_BYTES + 1, 'a'));
    await mkdir(join(dir, 'folder.yaml'));
    await writeFile(join(dir, 'notes.txt'), 'not config\n');
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads plain files and links that stay inside the folder, and refuses an oversized file unread', async () => {
    const read = await readConfigDir(dir);
    assert.deepEqual(read.files, [
      {
        name: 'huge.yaml',
        text: '',
        problem: 'is 1.0 MiB; a config file may hold at most 1 MiB (not read)',
      },
      { name: 'plain.yaml', text: 'plain: 1\n' },
      { name: 'policies.yml', text: 'policies: 1\n' },
      { name: 'routes.yaml', text: 'routes: 1\n' },
    ]);
  });

  it('skips a link leading outside the folder, naming it and where it leads', async () => {
    const read = await readConfigDir(dir);
    assert.deepEqual(read.outsideLinks, [`escape.yaml -> ${join(root, 'secret.yaml')}`]);
  });

  it('reads the new version of every file once ..data is swapped to a new folder', async () => {
    const next = join(dir, '..2026_12_06_10_05_00.2');
    await mkdir(next);
    await writeFile(join(next, 'routes.yaml'), 'routes: 2\n');
    await writeFile(join(next, 'policies.yml'), 'policies: 2\n');
    await symlink('..2026_12_06_10_05_00.2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..2026_12_06_10_00_00.1'), { recursive: true });
    const texts = (await readConfigDir(dir)).files.map((file) => file.text);
    assert.deepEqual(texts.slice(2), ['policies: 2\n', 'routes: 2\n']);
  });
});
