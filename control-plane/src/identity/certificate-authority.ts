// What the control plane's CA signs with and what workloads trust, whichever way it was set up
// (a root made in the state dir, or an operator's root or intermediate), and the checks both pass.
import { createPublicKey } from 'node:crypto';
import type { SigningKey } from './signing-key.js';
import { x509 } from './x509.js';

export interface CertificateAuthority {
  /** The certificate leaves are signed with: a root, or an operator's intermediate. */
  certificate: x509.X509Certificate;
  key: SigningKey;
  /** Sent after the leaf: the signer and those between it and the root (none when the signer is a root). */
  chain: x509.X509Certificate[];
  /** The roots workloads trust: one, or two while a root is rotated. */
  trustBundle: x509.X509Certificate[];
}

/** Every certificate in a PEM text; throws naming `source` when there is none or one is broken. */
export function parseCertificates(pem: string, source: string): x509.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`${source}: no PEM certificate in it`);
  return blocks.map((block, index) => {
    try {
      return new x509.X509Certificate(block);
    } catch (error) {
      throw new Error(`${source}: certificate ${index + 1} cannot be parsed`, { cause: error });
    }
  });
}

export function toPem(certificates: x509.X509Certificate[]): string {
  return certificates.map((certificate) => certificate.toString('pem') + '\n').join('');
}

/** Throws, naming `source`, unless `certificate` may sign certificates now with `key`. */
export function checkCaCertificate(
  certificate: x509.X509Certificate,
  key: SigningKey,
  source: string,
  now: Date,
): void {
  const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca)
    throw new Error(`${source}: ${certificate.subject} is not a CA certificate (basicConstraints cA is not true)`);
  const usage = certificate.getExtension(x509.KeyUsagesExtension);
  if (usage && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0)
    throw new Error(`${source}: ${certificate.subject} may not sign certificates (its keyUsage lacks keyCertSign)`);
  if (certificate.notAfter <= now || certificate.notBefore > now)
    throw new Error(
      `${source}: ${certificate.subject} is valid from ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()}, not now`,
    );
  const keySpki = createPublicKey(key.keyObject).export({ type: 'spki', format: 'der' });
  if (!keySpki.equals(Buffer.from(certificate.publicKey.rawData)))
    throw new Error(`${source}: the key does not belong to the certificate ${certificate.subject}`);
}
