// The CA kept in --state-dir: the active root, made on first start, and the roots a rotation adds
// to the trust bundle (ca-next.* once prepared, ca-previous.* until retired).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCaCertificate, parseCertificates, type CertificateAuthority } from './certificate-authority.js';
import { createRootCertificate } from './root-certificate.js';
import { readSecretFile, writeSecretFile } from '../../../shared/secret-file.js';
import { importSigningKey } from './signing-key.js';
import type { x509 } from './x509.js';

export type RootSlot = 'active' | 'next' | 'previous';
export const ROOT_SLOTS: readonly RootSlot[] = ['active', 'next', 'previous'];

export function rootFiles(stateDir: string, slot: RootSlot): { certificate: string; key: string } {
  const base = join(stateDir, slot === 'active' ? 'ca' : `ca-${slot}`);
  return { certificate: `${base}.crt`, key: `${base}.key` };
}

/** Writes a new root into `slot` (key 0600, then the certificate that marks the slot as taken). */
export async function writeRoot(stateDir: string, slot: RootSlot, trustDomain: string, now: Date): Promise<void> {
  const files = rootFiles(stateDir, slot);
  const root = await createRootCertificate(trustDomain, now);
  writeSecretFile(files.key, root.keyPem);
  writeSecretFile(files.certificate, root.certificatePem);
}

/** The root certificate in `slot`, or undefined when the slot is empty. */
export function readRoot(stateDir: string, slot: RootSlot): x509.X509Certificate | undefined {
  const file = rootFiles(stateDir, slot).certificate;
  if (!existsSync(file)) return undefined;
  const [certificate] = parseCertificates(readFileSync(file, 'utf8'), file);
  return certificate;
}

/** The state dir's CA, creating its first root when there is none. */
export async function loadStateDirCa(stateDir: string, trustDomain: string, now: Date): Promise<CertificateAuthority> {
  const files = rootFiles(stateDir, 'active');
  if (!existsSync(files.certificate)) await writeRoot(stateDir, 'active', trustDomain, now);
  const certificate = readRoot(stateDir, 'active') as x509.X509Certificate;
  const key = await importSigningKey(readSecretFile(files.key), files.key);
  checkCaCertificate(certificate, key, files.certificate, now);
  const trustBundle = ROOT_SLOTS.map((slot) => (slot === 'active' ? certificate : readRoot(stateDir, slot))).filter(
    (root) => root !== undefined,
  );
  return { certificate, key, chain: [], trustBundle };
}
