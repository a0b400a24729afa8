// Secrets on disk (private keys, tokens, a certificate kept with its key), for the control plane,
// the sidecar and the CLI alike: written 0600 in a 0700 folder, and refused when group or others can
// read them (as ssh refuses a private key that group or others can read).
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { replaceFile } from './replace-file.js';

/** Writes `data` to `path` whole, readable by its owner only (a file there before keeps no wider mode), creating the folder (0700) if needed. */
export function writeSecretFile(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  replaceFile(path, data, 0o600);
}

/** Reads a secret file; throws, naming the file and its mode, when group or others may read or write it. */
export function readSecretFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new Error(
      `${path} is ${mode & 0o044 ? 'readable' : 'writable'} by others (mode ${mode.toString(8).padStart(3, '0')}): a private key or token must be its owner's only (chmod 600 ${path})`,
    );
  return readFileSync(path, 'utf8');
}

/** The token in `path`, given by `option`: throws, naming both, when it cannot be read, others may read it, or it is empty. */
export function readTokenFile(path: string, option = '--token-file'): string {
  let token: string;
  try {
    token = readSecretFile(path).trim();
  } catch (error) {
    // readSecretFile's own refusals start with the path; a failed read says only that.
    const message =
      (error as NodeJS.ErrnoException).code === undefined ? (error as Error).message : `${path}: cannot be read`;
    throw new Error(`${option} ${message}`, { cause: error });
  }
  if (token === '') throw new Error(`${option} ${path} is empty`);
  return token;
}
