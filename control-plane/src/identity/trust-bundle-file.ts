// Where a control plane's state dir holds the roots it is trusted by. Its own module: the CLI, the
// demo and tests name the file without loading the CA.
import { join } from 'node:path';

/** Where the control plane writes the roots it is trusted by, for `--ca-file` of sidecars and the CLI. */
export function trustBundleFile(stateDir: string): string {
  return join(stateDir, 'trust-bundle.pem');
}
