// The config store on a shared config log (what etcd gives replicas): it starts from the stored
// versions, adopts versions others store, and validates a change that lost a race again on top.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigConflictError, type ConfigLog, type NewConfigVersion } from '../store/config-log.js';
import type { ConfigVersion, StoredDocument } from './config-history.js';
import { ConfigChangeError } from './config-change.js';
import { ConfigStore } from './config-store.js';

const options = { isRegistered: () => true };

const route = (name: string, timeout = '2s') => ({
  apiVersion: 'pilotfish.dev/v1',
  kind: 'Route',
  metadata: { name, namespace: 'default' },
  spec: { host: name, rules: [{ destinations: [{ service: name }], timeout }] },
});

function stored(name: string, timeout = '2s', file?: string): [string, StoredDocument] {
  return [`Route/default/${name}`, { kind: 'Route', namespace: 'default', name, source: route(name, timeout), file }];
}

function version(number: number, ...documents: Array<[string, StoredDocument]>): ConfigVersion {
  return {
    version: number,
    at: '2026-12-06T00:00:00.000Z',
    author: 'other',
    changed: [],
    documents: new Map(documents),
  };
}

/** A log other replicas write to too: `others` are stored by them just before this replica's append. */
class SharedLog implements ConfigLog {
  readonly appended: Array<{ base: number; change: NewConfigVersion }> = [];
  #listeners = new Set<(version: ConfigVersion) => void>();

  constructor(
    private readonly stored: ConfigVersion[],
    private readonly others: ConfigVersion[] = [],
  ) {}

  versions(): ConfigVersion[] {
    return this.stored;
  }

  append(base: number, change: NewConfigVersion): Promise<number> {
    const other = this.others.shift();
    if (other) {
      for (const listener of this.#listeners) listener(other);
      return Promise.reject(new ConfigConflictError(other.version));
    }
    this.appended.push({ base, change });
    return Promise.resolve(base + 10);
  }

  onAppend(listener: (version: ConfigVersion) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  store(version: ConfigVersion): void {
    for (const listener of this.#listeners) listener(version);
  }
}

describe('config store on a shared log', () => {
  it('starts at the newest stored version, with the older ones as history', () => {
    const log = new SharedLog([version(3, stored('a')), version(7, stored('a'), stored('b', '5s'))]);
    const store = new ConfigStore({ log });
    assert.equal(store.version, 7);
    assert.deepEqual(
      store.list().map((document) => document.name),
      ['a', 'b'],
    );
    assert.equal(store.config.routes.find((r) => r.metadata.name === 'b')?.spec.rules[0]?.timeout, 5000);
    assert.deepEqual(
      store.history().map((entry) => entry.version),
      [7, 3],
    );
  });

  it('puts a version another replica stored in force and tells its listeners; an older one is ignored', () => {
    const log = new SharedLog([version(3, stored('a'))]);
    const store = new ConfigStore({ log });
    let told = 0;
    store.onChange(() => told++);
    log.store(version(9, stored('a', '4s')));
    log.store(version(8, stored('a', '1s')));
    assert.equal(store.version, 9);
    assert.equal(store.config.routes[0]?.spec.rules[0]?.timeout, 4000);
    assert.equal(told, 1);
  });

  it('validates a change that lost the race again on top of the winner, keeping both', async () => {
    const log = new SharedLog([version(3, stored('a'))], [version(4, stored('a'), stored('b'))]);
    const store = new ConfigStore({ log });
    const result = await store.applyDocuments([{ name: 'api', text: JSON.stringify(route('c')) }], options);
    assert.equal(result.version, 14, 'stored on top of version 4');
    assert.equal(log.appended[0]?.base, 4);
    assert.deepEqual(
      store.list().map((document) => document.name),
      ['a', 'b', 'c'],
    );
  });

  it('refuses a change the winner made invalid, saying why', async () => {
    const taken = { ...route('c'), metadata: { name: 'other', namespace: 'default' } };
    const winner = version(4, stored('a'), [
      'Route/default/other',
      { kind: 'Route', namespace: 'default', name: 'other', source: taken },
    ]);
    const log = new SharedLog([version(3, stored('a'))], [winner]);
    const store = new ConfigStore({ log });
    await assert.rejects(
      store.applyDocuments([{ name: 'api', text: JSON.stringify(route('c')) }], options),
      (error: unknown) => error instanceof ConfigChangeError && error.reason === 'invalid',
    );
    assert.equal(store.version, 4);
    assert.equal(log.appended.length, 0);
  });
});
