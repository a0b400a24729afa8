// Reads the config folder's files: plain files and links that resolve inside the folder (the layout
// of a mounted Kubernetes ConfigMap: `x.yaml -> ..data/x.yaml`, `..data -> ..2026_…`), each checked
// for size before it is read.
import { open, readdir, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { ConfigFile } from './config-documents.js';

export const CONFIG_FILE = /\.ya?ml$/;
/** Kubernetes' own limit for a ConfigMap: more than this is data, not policy. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** The link a ConfigMap volume swaps atomically to publish a new version of all its files. */
const CONFIGMAP_DATA = '..data';
/** Reads the folder again when it changed under a read, at most this often in a row. */
const MAX_READ_ATTEMPTS = 3;

export interface ConfigDirRead {
  /** The config files by name; a file over the size limit carries its problem instead of its text. */
  files: ConfigFile[];
  /** Links skipped because they lead outside the folder, with where they lead. */
  outsideLinks: string[];
}

/** The folder's config files, sorted by name, read as one consistent set. */
export async function readConfigDir(dir: string): Promise<ConfigDirRead> {
  for (let attempt = 1; ; attempt++) {
    // A ConfigMap swapped, or a file removed, while it was read: read the whole folder again.
    const read = await readOnce(dir, attempt === MAX_READ_ATTEMPTS);
    if (read !== undefined) return read;
  }
}

/** One read; undefined when the folder changed under it (unless `settle`: then what was read). */
async function readOnce(dir: string, settle = false): Promise<ConfigDirRead | undefined> {
  const realDir = await realpath(dir);
  const dataBefore = await readDataLink(dir);
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && CONFIG_FILE.test(entry.name))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const files: ConfigFile[] = [];
  const outsideLinks: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    let target: string;
    try {
      target = await realpath(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (settle) continue;
      return undefined;
    }
    const inside = relative(realDir, target);
    // `..2026_…/x.yaml` is inside; `../x.yaml` is not.
    if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      outsideLinks.push(`${entry.name} -> ${target}`);
      continue;
    }
    const file = await readBounded(entry.name, target);
    if (file === 'gone') {
      if (settle) continue;
      return undefined;
    }
    if (file !== 'not-a-file') files.push(file);
  }
  if (!settle && (await readDataLink(dir)) !== dataBefore) return undefined;
  return { files, outsideLinks };
}

/** The file's text, or its size problem when it is over the limit (checked before reading). */
async function readBounded(name: string, path: string): Promise<ConfigFile | 'gone' | 'not-a-file'> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return 'not-a-file';
    if (stats.size > MAX_FILE_BYTES)
      return {
        name,
        text: '',
        problem: `is ${(stats.size / MAX_FILE_BYTES).toFixed(1)} MiB; a config file may hold at most 1 MiB (not read)`,
      };
    return { name, text: await handle.readFile('utf8') };
  } finally {
    await handle.close();
  }
}

async function readDataLink(dir: string): Promise<string | undefined> {
  try {
    return await readlink(join(dir, CONFIGMAP_DATA));
  } catch (error) {
    // No ConfigMap layout here: no such entry, or not a link.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EINVAL') return undefined;
    throw error;
  }
}
