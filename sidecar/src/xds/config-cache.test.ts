import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { TYPE_URL } from '../../../proto/xds.js';
import type { CachedConfig } from './config-cache-file.js';
import { ConfigCache } from './config-cache.js';

function capturedLogger(): { logger: pino.Logger; lines: Array<{ msg: string; reason?: string }> } {
  const lines: Array<{ msg: string; reason?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as never) });
  return { logger, lines };
}

function configOf(version: string, owner = 'default/frontend'): CachedConfig {
  const cluster = { '@type': TYPE_URL.cluster, name: 'backend', type: 'EDS' };
  return {
    owner,
    savedAt: new Date(0).toISOString(),
    types: [{ typeUrl: TYPE_URL.cluster, version, resources: [cluster] }],
  };
}

describe('ConfigCache', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pilotfish-config-cache-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the newest config saved, readable by its owner only, and leaves no temporary file', async () => {
    const dir = join(root, 'new', 'cache');
    const { logger } = capturedLogger();
    const cache = new ConfigCache({ dir, owner: 'default/frontend', logger });
    for (const version of ['v1', 'v2', 'v3']) cache.save(configOf(version));
    await cache.flush();
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(cache.file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['xds-config.json']);
    const loaded = await new ConfigCache({ dir, owner: 'default/frontend', logger }).load();
    assert.equal(loaded?.types[0]?.version, 'v3');
  });

  it('starts without a cache that is missing, corrupt, unreadable or of another service, saying why', async () => {
    const cases: Array<[string, (dir: string) => Promise<void>, string, RegExp]> = [
      ['missing', async () => {}, 'no cached config yet', /./],
      [
        'corrupt',
        (dir) => writeFile(join(dir, 'xds-config.json'), '{"format":'),
        'cached config corrupt or not for this sidecar; starting without it',
        /^not JSON/,
      ],
      [
        'unreadable',
        (dir) => mkdir(join(dir, 'xds-config.json')),
        'cached config unreadable; starting without it',
        /EISDIR/,
      ],
      [
        'of another service',
        async (dir) => {
          const other = new ConfigCache({ dir, owner: 'default/backend', logger: capturedLogger().logger });
          other.save(configOf('v1', 'default/backend'));
          await other.flush();
        },
        'cached config corrupt or not for this sidecar; starting without it',
        /it is the config of default\/backend, not of default\/frontend/,
      ],
    ];
    for (const [name, prepare, msg, reason] of cases) {
      const dir = join(root, name.replaceAll(' ', '-'));
      await mkdir(dir, { recursive: true });
      await prepare(dir);
      const { logger, lines } = capturedLogger();
      assert.equal(await new ConfigCache({ dir, owner: 'default/frontend', logger }).load(), undefined, name);
      const line = lines.find((entry) => entry.msg === msg);
      assert.ok(line, `${name}: logs "${msg}"`);
      assert.match(line.reason ?? msg, reason, name);
    }
  });

  it('warns once when it cannot write, and carries on', async () => {
    const blocked = join(root, 'blocked');
    await writeFile(blocked, 'a file where the folder should be');
    const { logger, lines } = capturedLogger();
    const cache = new ConfigCache({ dir: blocked, owner: 'default/frontend', logger });
    cache.save(configOf('v1'));
    await cache.flush();
    cache.save(configOf('v2'));
    await cache.flush();
    assert.equal(lines.filter((line) => line.msg === 'writing the config cache failed').length, 1);
  });
});
