import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingHash } from './ring-hash.js';
import { endpoint, seededRandom } from '../../test-support/test-endpoints.js';

const keys = Array.from({ length: 1000 }, (_, index) => `user-${index}`);

function placement(ring: RingHash): Map<string, string> {
  return new Map(keys.map((key) => [key, ring.pick(key, undefined)?.hostname ?? '-']));
}

describe('ring hash', () => {
  const four = [endpoint('1'), endpoint('2'), endpoint('3'), endpoint('4')];

  it('sends the same key to the same endpoint, every time and in a rebuilt ring', () => {
    const first = placement(new RingHash(four, 1024, 8_388_608, seededRandom()));
    assert.deepEqual(placement(new RingHash(four, 1024, 8_388_608, seededRandom(7))), first);
  });

  it('spreads keys over every endpoint, roughly evenly', () => {
    const counts = new Map<string, number>();
    for (const name of placement(new RingHash(four, 1024, 8_388_608, seededRandom())).values())
      counts.set(name, (counts.get(name) ?? 0) + 1);
    assert.equal(counts.size, 4);
    for (const [name, count] of counts) assert.ok(count > 150 && count < 350, `${name} got ${count} of 1000 keys`);
  });

  it('moves only the keys of an endpoint that leaves (about a quarter of four)', () => {
    const before = placement(new RingHash(four, 1024, 8_388_608, seededRandom()));
    const after = placement(new RingHash(four.slice(1), 1024, 8_388_608, seededRandom()));
    const moved = keys.filter((key) => before.get(key) !== after.get(key));
    assert.ok(
      moved.every((key) => before.get(key) === '1'),
      'only keys of the departed endpoint moved',
    );
    assert.ok(moved.length >= 200 && moved.length <= 300, `${moved.length} of 1000 keys moved`);
  });

  it('places minimum_ring_size nodes per endpoint, within maximum_ring_size', () => {
    assert.equal(new RingHash(four, 1024, 8_388_608, seededRandom()).ringSize, 4096);
    assert.equal(new RingHash(four, 1024, 2000, seededRandom()).ringSize, 2000);
    assert.equal(new RingHash([], 1024, 2000, seededRandom()).ringSize, 0);
  });

  it('sends a retry of a key to the next endpoint on the ring', () => {
    const ring = new RingHash(four, 1024, 8_388_608, seededRandom());
    const withoutFirst = new RingHash(
      four.filter((e) => e !== four[0]),
      1024,
      8_388_608,
      seededRandom(),
    );
    for (const key of keys.slice(0, 100)) {
      const first = ring.pick(key, undefined);
      const retry = ring.pick(key, first?.host);
      assert.notEqual(retry, first);
      if (first === four[0])
        assert.equal(retry, withoutFirst.pick(key, undefined), 'where the key goes without that endpoint');
    }
  });

  it('picks at random without a hash key', () => {
    const ring = new RingHash(four, 64, 8_388_608, seededRandom());
    const seen = new Set(Array.from({ length: 100 }, () => ring.pick(undefined, undefined)?.hostname));
    assert.equal(seen.size, 4);
    assert.equal(new RingHash([], 64, 100, seededRandom()).pick('k', undefined), undefined);
  });
});
