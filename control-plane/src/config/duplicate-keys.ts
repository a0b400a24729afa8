// Duplicate map keys, found in one pass. yaml's own check (its `uniqueKeys` option) compares each
// key with every key before it in the map: a 900 KiB map of 16,000 keys took 14 s to parse.
import { isScalar, visit, type Document } from 'yaml';

/** The offset of the first key that repeats an earlier key of its map (scalars, by value), if any. */
export function firstDuplicateKey(document: Document): number | undefined {
  let found: number | undefined;
  visit(document, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue;
        if (seen.has(key.value)) {
          found = key.range?.[0];
          return visit.BREAK;
        }
        seen.add(key.value);
      }
      return undefined;
    },
  });
  return found;
}
