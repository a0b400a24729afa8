// Private keys on disk: written 0600 in a 0700 folder, and refused when others can read them
// (as ssh refuses a private key that group or others can read).
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `data` to `path` readable by its owner only, creating the folder (0700) if needed. */
export function writeSecretFile(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, data, { mode: 0o600 });
}

/** Reads a private key file; throws, naming the file, when group or others may read it. */
export function readSecretFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new Error(
      `${path} is readable by others (mode ${mode.toString(8).padStart(3, '0')}): a private key must be 0600 (chmod 600 ${path})`,
    );
  return readFileSync(path, 'utf8');
}
