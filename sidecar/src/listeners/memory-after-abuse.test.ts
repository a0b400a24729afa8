import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { MemoryAfterAbuse } from './memory-after-abuse.js';

describe('memory after abuse', () => {
  it('collects what nothing holds any more', async () => {
    const memory = new MemoryAfterAbuse();
    const garbage = new WeakRef({ streams: new Array(1000).fill('stream') });
    // A WeakRef's target lives to the end of the turn that made it.
    await nextTurn();
    assert.ok(memory.release());
    assert.equal(garbage.deref(), undefined, 'collected by the GC it ran');
  });

  it('runs at most one GC every 10 s, whatever a client does', () => {
    let now = 50_000;
    const memory = new MemoryAfterAbuse(() => now);
    assert.equal(memory.release(), true);
    now += 9_999;
    assert.equal(memory.release(), false);
    now += 1;
    assert.equal(memory.release(), true);
  });

  it('leaves the global object without gc()', () => {
    new MemoryAfterAbuse().release();
    assert.equal('gc' in globalThis, false);
  });
});
