import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import pino from 'pino';
import { TYPE_URL } from '../../../proto/xds.js';
import { WarmUp } from './warm-up.js';

const logger = pino({ level: 'silent' });

describe('WarmUp', () => {
  it('holds a type a reconnected proxy holds until the cache reproduces its version, then keeps serving it', () => {
    const warmUp = new WarmUp({ periodMs: 10_000, logger });
    warmUp.noteHeldVersion('default', TYPE_URL.endpoint, 'full');
    assert.equal(warmUp.isHeld('default', TYPE_URL.endpoint, 'partial'), true);
    assert.equal(warmUp.isHeld('default', TYPE_URL.endpoint, 'full'), false);
    assert.equal(warmUp.isHeld('default', TYPE_URL.endpoint, 'later'), false, 'released for good');
    warmUp.noteHeldVersion('default', TYPE_URL.endpoint, 'old');
    assert.equal(warmUp.isHeld('default', TYPE_URL.endpoint, 'later'), false, 'a late proxy does not hold it again');
    warmUp.close();
  });

  it('holds nothing for groups and types no reconnected proxy holds (a fresh start)', () => {
    const warmUp = new WarmUp({ periodMs: 10_000, logger });
    warmUp.noteHeldVersion('default', TYPE_URL.endpoint, '');
    warmUp.noteHeldVersion('other', TYPE_URL.cluster, 'v1');
    assert.equal(warmUp.isHeld('default', TYPE_URL.endpoint, 'v2'), false);
    assert.equal(warmUp.isHeld('default', TYPE_URL.cluster, 'v2'), false);
    assert.equal(warmUp.isHeld('other', TYPE_URL.cluster, 'v2'), true);
    warmUp.close();
  });

  it('serves everything once one period has passed, telling its listeners', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const warmUp = new WarmUp({ periodMs: 10_000, logger });
      let told = 0;
      warmUp.onWarm(() => told++);
      warmUp.noteHeldVersion('default', TYPE_URL.endpoint, 'full');
      mock.timers.tick(9_999);
      assert.equal(warmUp.isHeld('default', TYPE_URL.endpoint, 'partial'), true);
      assert.equal(told, 0);
      mock.timers.tick(1);
      assert.equal(told, 1);
      assert.equal(warmUp.isHeld('default', TYPE_URL.endpoint, 'partial'), false);
      warmUp.close();
    } finally {
      mock.timers.reset();
    }
  });
});
