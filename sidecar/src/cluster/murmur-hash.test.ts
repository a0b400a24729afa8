import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmurHash } from './murmur-hash.js';

describe('murmur hash', () => {
  it('is the reference MurmurHash3 x86 32 for one-byte-per-unit input of even length', () => {
    // Reference values hash the UTF-16LE bytes; "" is 0 with seed 0.
    assert.equal(murmurHash(''), 0);
    assert.equal(murmurHash('', 1), 0x514e28b7);
  });

  it('spreads similar keys apart', () => {
    const hashes = new Set(Array.from({ length: 10_000 }, (_, i) => murmurHash(`10.0.0.1:80_${i}`) >>> 20));
    assert.ok(hashes.size > 3500, `${hashes.size} of 4096 top-12-bit buckets used`);
  });
});
