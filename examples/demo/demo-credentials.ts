// The demo runs authenticated, as production does: a state dir of its own (the control plane makes
// its CA there), a bootstrap token per sidecar, and an admin token for trying the CLI against it.
import { join } from 'node:path';
import { createBootstrapToken } from '../../control-plane/src/identity/bootstrap-token.js';
import { trustBundleFile } from '../../control-plane/src/identity/trust-bundle-file.js';
import { createOperatorToken } from '../../control-plane/src/identity/operator-token.js';
import { writeSecretFile } from '../../shared/secret-file.js';
import { loadTokenSigningKey, type TokenSigningKey } from '../../control-plane/src/identity/token-signing-key.js';

// Long enough for any demo run: the tokens only live in the demo's temporary folder.
const TOKEN_TTL_MS = 7 * 24 * 3_600_000;

export class DemoCredentials {
  readonly stateDir: string;
  /** The control plane's trust bundle (written by it at start): --ca-file for sidecars and the CLI. */
  readonly caFile: string;
  /** An admin token for the CLI (--token-file). */
  readonly adminTokenFile: string;
  readonly #key: TokenSigningKey;
  readonly #tokensDir: string;

  constructor(dir: string) {
    this.stateDir = join(dir, 'state');
    this.caFile = trustBundleFile(this.stateDir);
    this.#key = loadTokenSigningKey(this.stateDir);
    this.#tokensDir = join(dir, 'tokens');
    this.adminTokenFile = join(this.#tokensDir, 'admin.token');
    writeSecretFile(this.adminTokenFile, createOperatorToken(this.#key, 'demo', TOKEN_TTL_MS, Date.now()));
  }

  /** A bootstrap token file for one instance of `service` (namespace default). */
  tokenFile(service: string, instance: string): string {
    const file = join(this.#tokensDir, `${instance}.token`);
    const claims = { service, namespace: 'default', serviceAccount: service };
    writeSecretFile(file, createBootstrapToken(this.#key, claims, TOKEN_TTL_MS, Date.now()));
    return file;
  }
}
