// Golden files: expected output kept in test/golden/ (the source tree, not dist/). Run a test with
// UPDATE_GOLDEN=1 to rewrite the files from the current output, then review the diff.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../proto/paths.js';

export const goldenDir = join(packageRoot, 'test', 'golden');

export function readGolden(name: string): string {
  return readFileSync(join(goldenDir, name), 'utf8');
}

export function assertGolden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from ${path} (UPDATE_GOLDEN=1 rewrites it)`);
}
