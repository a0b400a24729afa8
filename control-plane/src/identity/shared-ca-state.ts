// Replicas on one store share one CA: the state dir's roots and token signing key are claimed in the
// store by the first replica to start, and every replica writes the store's set into its own state
// dir before it loads its identity, so tokens and certificates issued by one are valid at the others.
import { existsSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import type { SharedFiles } from '../store/shared-files.js';
import type { IdentityOptions } from './mesh-identity.js';
import { readSecretFile, writeSecretFile } from '../../../shared/secret-file.js';
import { createRootCertificate } from './root-certificate.js';
import { rootFiles, ROOT_SLOTS } from './state-dir-ca.js';
import { newTokenSigningKeyPem, tokenSigningKeyFile } from './token-signing-key.js';

/** The state dir's files replicas share: every root slot's certificate and key, and the token signing key. */
export const SHARED_CA_FILES: readonly string[] = [
  ...ROOT_SLOTS.flatMap((slot) => Object.values(rootFiles('', slot)).map((file) => basename(file))),
  basename(tokenSigningKeyFile('')),
];

/** The state dir's shared files as they are (missing ones left out). */
export function readSharedCaFiles(stateDir: string): Map<string, string> {
  const present = SHARED_CA_FILES.filter((name) => existsSync(join(stateDir, name)));
  return new Map(present.map((name) => [name, readSecretFile(join(stateDir, name))]));
}

/**
 * Makes the state dir hold the store's CA files, claiming the store with this one's when it has none
 * yet. Only the store's set is ever written, so replicas started together on one state dir agree.
 */
export async function adoptSharedCaState(options: IdentityOptions, shared: SharedFiles, logger: Logger): Promise<void> {
  const { stateDir } = options;
  const before = readSharedCaFiles(stateDir);
  const stored = await shared.claim(await claimOf(options, before));
  writeSharedCaFiles(stateDir, stored, before);
  // Files made just now are no news; files the operator had, replaced, are.
  const replaced = [...before.keys()].filter((name) => stored.get(name) !== before.get(name));
  if (replaced.length > 0)
    logger.warn(
      { stateDir, files: replaced },
      "the state dir's CA files differ from the store's, which every replica uses: replaced by the store's",
    );
  else logger.info({ stateDir }, 'the CA is the one every replica on the store uses');
}

/**
 * Runs a step of a root rotation (`pilotfish ca … --store`) on the store's set: written into the state
 * dir first (when a replica has stored one), the step applied there, the result stored for every
 * replica (each adopts it when restarted).
 */
export async function rotateSharedRoot(stateDir: string, shared: SharedFiles, step: () => unknown): Promise<void> {
  const stored = await shared.read();
  if (stored) writeSharedCaFiles(stateDir, stored, readSharedCaFiles(stateDir));
  await step();
  await shared.replace(readSharedCaFiles(stateDir));
}

/** What this replica would use alone: the state dir's files, with a new root and token key where it has none. */
async function claimOf(options: IdentityOptions, present: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const claim = new Map(present);
  const root = rootFiles('', 'active');
  if (options.caCertificateFile === undefined && !claim.has(root.certificate)) {
    const material = await createRootCertificate(options.trustDomain, new Date());
    claim.set(root.key, material.keyPem).set(root.certificate, material.certificatePem);
  }
  const tokenKey = tokenSigningKeyFile('');
  if (!claim.has(tokenKey)) claim.set(tokenKey, newTokenSigningKeyPem());
  return claim;
}

/** Makes the state dir hold exactly `set` among the shared files (`current`: what it holds now). */
function writeSharedCaFiles(
  stateDir: string,
  set: ReadonlyMap<string, string>,
  current: ReadonlyMap<string, string>,
): void {
  for (const name of SHARED_CA_FILES) {
    const content = set.get(name);
    if (content === current.get(name)) continue;
    if (content === undefined) rmSync(join(stateDir, name), { force: true });
    else writeSecretFile(join(stateDir, name), content);
  }
}
