// Follows a TLS server's certificate and key files as they are renewed in place (cert-manager, a
// Kubernetes Secret volume swapping its ..data link, a file renamed over the old one), as Envoy
// does with a watched directory: the folders holding the files are watched, and a change reads
// them again once writes have settled. A pair that checks out and differs from the one in force
// replaces it; one that does not (a half-written renewal, a key that does not fit) is reported, and
// the pair in force keeps serving until the files check out again.
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { ServerTls } from '../xds/compile-tls.js';

/** How long the files must be quiet before they are read again. */
const SETTLE_MS = 100;

export interface CertificateRenewal {
  stop(): void;
}

export function followCertificateFiles(
  tls: ServerTls,
  renewed: (next: ServerTls) => void,
  failed: (error: Error) => void,
  /** Called when the files changed on disk but still hold the pair in force (rewritten with the same bytes). */
  unchanged: () => void = () => {},
): CertificateRenewal {
  let current = tls;
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    timer = undefined;
    let next: ServerTls;
    try {
      next = current.reload();
    } catch (error) {
      failed(error as Error);
      return;
    }
    if (next.cert.equals(current.cert) && next.key.equals(current.key)) {
      unchanged();
      return;
    }
    current = next;
    renewed(next);
  };
  const onChange = (): void => {
    clearTimeout(timer);
    timer = setTimeout(check, SETTLE_MS);
  };
  const watchers: FSWatcher[] = [];
  for (const folder of new Set(tls.files.map((file) => dirname(file)))) {
    try {
      watchers.push(
        watch(folder, { persistent: false }, onChange).on('error', (error) =>
          failed(new Error(`watching ${folder} for renewed certificates failed: ${error.message}`, { cause: error })),
        ),
      );
    } catch (error) {
      failed(
        new Error(`cannot watch ${folder} for renewed certificates: ${(error as Error).message}`, { cause: error }),
      );
    }
  }
  return {
    stop() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
