// MurmurHash3 (x86, 32-bit) over a string's UTF-16 code units, two units per 32-bit block: a
// well-mixed hash for the ring, in 32-bit integer math (Math.imul), allocating nothing.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixBlock(block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

export function murmurHash(text: string, seed = 0): number {
  const length = text.length;
  let h = seed | 0;
  let i = 0;
  for (; i + 1 < length; i += 2) {
    h ^= mixBlock(text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < length) h ^= mixBlock(text.charCodeAt(i));
  h ^= length * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
