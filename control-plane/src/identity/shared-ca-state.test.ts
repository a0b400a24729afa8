import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { SharedFiles } from '../store/shared-files.js';
import { toPem } from './certificate-authority.js';
import { loadMeshIdentity } from './mesh-identity.js';
import { adoptSharedCaState } from './shared-ca-state.js';

/** A store's shared set as etcd keeps it (the first claim wins), whose claims wait until `open()`. */
class GatedSharedFiles implements SharedFiles {
  stored: Map<string, string> | undefined;
  readonly claimed: Array<() => void> = [];
  open: () => void = () => undefined;
  readonly #opened = new Promise<void>((resolve) => (this.open = resolve));

  async read(): Promise<Map<string, string> | undefined> {
    return this.stored;
  }

  async claim(files: ReadonlyMap<string, string>): Promise<Map<string, string>> {
    this.claimed.forEach((notify) => notify());
    await this.#opened;
    this.stored ??= new Map(files);
    return new Map(this.stored);
  }

  async replace(files: ReadonlyMap<string, string>): Promise<void> {
    this.stored = new Map(files);
  }
}

describe("replicas sharing the store's CA", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-shared-ca-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const logger = pino({ level: 'silent' });

  it('two replicas started together on one state dir load the CA the store holds; the dir never holds another', async () => {
    const stateDir = join(dir, 'state');
    const options = { stateDir, trustDomain: 'cluster.local' };
    const shared = new GatedSharedFiles();
    const claiming = () => new Promise<void>((resolve) => shared.claimed.push(resolve));

    const first = claiming();
    const adopting = [adoptSharedCaState(options, shared, logger)];
    await first;
    const second = claiming();
    adopting.push(adoptSharedCaState(options, shared, logger));
    await second;
    assert.deepEqual(
      readdirSync(dir).includes('state') ? readdirSync(stateDir) : [],
      [],
      'nothing written before the store answers',
    );

    shared.open();
    await Promise.all(adopting);
    const stored = shared.stored as Map<string, string>;
    const identity = await loadMeshIdentity(options);
    assert.equal(toPem([identity.ca.certificate]).trim(), stored.get('ca.crt')?.trim());
    assert.equal(readFileSync(join(stateDir, 'token-signing.key'), 'utf8'), stored.get('token-signing.key'));
    assert.deepEqual(
      readdirSync(stateDir).filter((name) => name.endsWith('.tmp')),
      [],
      'no temporary file left beside the state',
    );
  });
});
