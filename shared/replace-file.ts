// Writes a file whole or not at all: the data goes to a sibling temporary file that is then renamed
// over the path, so a reader (another replica on a shared state dir, a sidecar reading the trust
// bundle) sees the old content or the new, never a truncated file, and two writers never interleave.
import { closeSync, fchmodSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Replaces `path` with `data`, created with `mode` (the mode a file there before had is not kept). */
export function replaceFile(path: string, data: string, mode: number): void {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', mode);
    try {
      fchmodSync(fd, mode);
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
