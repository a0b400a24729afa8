// Follows the control plane's roots in --ca-file, which the control plane rewrites when it starts
// with other roots (one prepared, activated or retired): told of each change, the workload renews
// at once and takes the new bundle (and a leaf of the active root) rather than at its next
// renewal, up to 60% of its lifetime away. The folder is watched, as a file renamed over the old
// one or a Kubernetes volume swapping its ..data link changes no watch on the file itself.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

/** How long the folder must be quiet before the file is read again: a rewrite is whole by then. */
const SETTLE_MS = 100;

export interface TrustBundleFile {
  stop(): void;
}

/** Calls `changed` when the roots in `file` differ from the ones it held before (not for a rewrite with the same bytes). */
export function followTrustBundleFile(
  file: string,
  changed: () => void,
  failed: (error: Error) => void,
): TrustBundleFile {
  const read = (): Buffer | undefined => {
    try {
      return readFileSync(file);
    } catch (error) {
      failed(new Error(`--ca-file ${file}: cannot be read`, { cause: error }));
      return undefined;
    }
  };
  let roots = read();
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    timer = undefined;
    const next = read();
    // Half written, or gone for a moment: the next change in the folder reads it again.
    if (next === undefined || !next.includes('-----END CERTIFICATE-----') || roots?.equals(next)) return;
    roots = next;
    changed();
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(check, SETTLE_MS);
    }).on('error', (error) =>
      failed(new Error(`watching ${dirname(file)} failed: ${error.message}`, { cause: error })),
    );
  } catch (error) {
    failed(new Error(`cannot watch ${dirname(file)} for new roots: ${(error as Error).message}`, { cause: error }));
  }
  return {
    stop() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
