import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { TYPE_URL } from '../../../proto/xds.js';
import type { ServiceInstance } from '../registry/instance.js';
import { translate } from '../translate/translate.js';
import { Debouncer } from './debounce.js';
import { SnapshotCache } from './snapshot-cache.js';

function backend(ports: number[]) {
  const instances: ServiceInstance[] = ports.map((port, index) => ({
    service: 'backend',
    namespace: 'default',
    instanceId: `b-${index}`,
    address: '127.0.0.1',
    port,
    labels: {},
    protocol: 'http',
  }));
  return [{ name: 'backend', namespace: 'default', instances }];
}

describe('SnapshotCache', () => {
  it('changes only the versions of types whose content changed, and tells watchers which', () => {
    const cache = new SnapshotCache();
    const told: string[][] = [];
    cache.watch('default', (changed) => told.push([...changed]));
    cache.setSnapshot('default', translate(backend([1000]), 'default'));
    const cds = cache.get('default', TYPE_URL.cluster)?.version;
    const eds = cache.get('default', TYPE_URL.endpoint)?.version;
    assert.equal(told.length, 1);

    const changed = cache.setSnapshot('default', translate(backend([1000, 1001]), 'default'));
    assert.deepEqual(changed, [TYPE_URL.endpoint]);
    assert.equal(cache.get('default', TYPE_URL.cluster)?.version, cds);
    assert.notEqual(cache.get('default', TYPE_URL.endpoint)?.version, eds);
    assert.deepEqual(told[1], [TYPE_URL.endpoint]);

    assert.deepEqual(cache.setSnapshot('default', translate(backend([1000, 1001]), 'default')), []);
    assert.equal(told.length, 2, 'an unchanged snapshot tells no one');
  });

  it('gives equal content the same version in another cache (replicas and restarts agree)', () => {
    const a = new SnapshotCache();
    const b = new SnapshotCache();
    a.setSnapshot('default', translate(backend([1000]), 'default'));
    b.setSnapshot('default', translate(backend([1000]), 'default'));
    assert.equal(a.get('default', TYPE_URL.endpoint)?.version, b.get('default', TYPE_URL.endpoint)?.version);
  });

  it('keeps the encoding of unchanged resources', () => {
    const cache = new SnapshotCache();
    cache.setSnapshot('default', translate(backend([1000]), 'default'));
    const before = cache.get('default', TYPE_URL.cluster)?.resources.get('backend.default.svc.cluster.local');
    cache.setSnapshot('default', translate(backend([1000, 1001]), 'default'));
    assert.equal(cache.get('default', TYPE_URL.cluster)?.resources.get('backend.default.svc.cluster.local'), before);
  });

  it('refuses a snapshot whose route sends to a missing cluster: the last good one stays and the error names it', () => {
    const rejected: string[] = [];
    const cache = new SnapshotCache({ onRejected: (error) => rejected.push(error.message) });
    const told: string[][] = [];
    cache.watch('default', (changed) => told.push([...changed]));
    cache.setSnapshot('default', translate(backend([1000]), 'default'));
    const good = cache.get('default', TYPE_URL.endpoint)?.version;

    const broken = translate(backend([1000, 1001]), 'default');
    broken[TYPE_URL.cluster].delete('backend.default.svc.cluster.local');
    assert.deepEqual(cache.setSnapshot('default', broken), []);
    assert.equal(cache.get('default', TYPE_URL.endpoint)?.version, good, 'the endpoint change is not served either');
    assert.equal(told.length, 1, 'no push of a refused snapshot');
    assert.match(rejected[0] ?? '', /group "default".*cluster "backend\.default\.svc\.cluster\.local", which is not/);
    assert.match(
      cache.rejection('default')?.problems[0] ?? '',
      /sends to cluster "backend\.default\.svc\.cluster\.local"/,
    );

    cache.setSnapshot('default', translate(backend([1000, 1001]), 'default'));
    assert.notEqual(cache.get('default', TYPE_URL.endpoint)?.version, good);
    assert.equal(cache.rejection('default'), undefined, 'a good snapshot clears the rejection');
  });

  it('keeps a group whose first snapshot was refused, so it is rebuilt once translate is right', () => {
    const cache = new SnapshotCache();
    const broken = translate(backend([1000]), 'default');
    broken[TYPE_URL.endpoint].clear();
    cache.setSnapshot('default', broken);
    assert.equal(cache.get('default', TYPE_URL.cluster), undefined);
    assert.deepEqual(cache.groups(), ['default']);
    assert.ok(cache.hasGroup('default'));
    assert.match(
      cache.rejection('default')?.problems[0] ?? '',
      /EDS cluster "backend.default.svc.cluster.local" has no/,
    );
  });
});

describe('Debouncer', () => {
  // The action runs in the turn after its timer (setImmediate, real here): the I/O of that turn may trigger again.
  const elapse = async (ms: number) => {
    mock.timers.tick(ms);
    await new Promise((resolve) => setImmediate(resolve));
  };

  it('turns a burst of triggers into one action after the quiet period', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      let runs = 0;
      const debouncer = new Debouncer(() => runs++, 100, 1000);
      for (let i = 0; i < 1000; i++) debouncer.trigger();
      await elapse(99);
      assert.equal(runs, 0);
      await elapse(1);
      assert.equal(runs, 1);
      await elapse(1000);
      assert.equal(runs, 1);
    } finally {
      mock.timers.reset();
    }
  });

  it('runs at the latest after the maximum wait under a steady trickle', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      let runs = 0;
      const debouncer = new Debouncer(() => runs++, 100, 1000);
      for (let elapsed = 0; elapsed < 1000; elapsed += 50) {
        debouncer.trigger();
        await elapse(50);
      }
      assert.equal(runs, 1);
    } finally {
      mock.timers.reset();
    }
  });

  it('waits twice as long for quiet each time a burst goes on after an action, up to 8×, and no longer once quiet', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      let runs = 0;
      const debouncer = new Debouncer(() => runs++, 100, 10_000);
      debouncer.trigger();
      await elapse(100);
      assert.equal(runs, 1);
      for (const [index, quietMs] of [200, 400, 800, 800].entries()) {
        await elapse(50); // the burst goes on: a trigger within the quiet period after the action
        debouncer.trigger();
        await elapse(quietMs - 1);
        assert.equal(runs, 1 + index, `not before ${quietMs} ms of quiet`);
        await elapse(1);
      }
      assert.equal(runs, 5);
      await elapse(800); // a whole quiet period without a trigger: the burst is over
      debouncer.trigger();
      await elapse(100);
      assert.equal(runs, 6);
    } finally {
      mock.timers.reset();
    }
  });
});
