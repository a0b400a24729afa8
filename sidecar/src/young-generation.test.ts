import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

// A process of its own: the flag holds for the whole process, and the runner's heap has grown already.
// The size is read after one more scavenge: on Node.js 24 a scavenge may hold a few pages in the
// young generation for a moment (up to 16 MB seen, once in ten runs), which the next one returns.
const allocateThenMeasure = (keepSmall: boolean) => `
  import { getHeapSpaceStatistics } from 'node:v8';
  ${keepSmall ? `(await import(${JSON.stringify(new URL('./young-generation.js', import.meta.url).href)})).keepYoungGenerationSmall();` : ''}
  let live = [];
  for (let i = 0; i < 2e6; i++) { live.push({ i, text: 'request ' + i }); if (live.length > 100000) live = []; }
  live = [];
  gc({ type: 'minor' });
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  console.log(newSpace.space_size);`;

const newSpaceBytes = (keepSmall: boolean) =>
  Number(
    execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', allocateThenMeasure(keepSmall)], {
      encoding: 'utf8',
    }),
  );

describe('young generation', () => {
  it("stays at V8's initial size through a burst of allocations that grows it otherwise", () => {
    const grown = newSpaceBytes(false);
    const kept = newSpaceBytes(true);
    assert.ok(kept <= 4 * 1024 * 1024, `new space ${kept} bytes`);
    assert.ok(grown >= 4 * kept, `without it the new space grows (${grown} bytes): the test shows the difference`);
  });
});
