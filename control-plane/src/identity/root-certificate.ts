// A self-signed ECDSA P-256 root for the mesh, valid ten years, as the state dir keeps it.
import { createP256Key, P256 } from './p256-key.js';
import { randomSerialNumber } from './serial-number.js';
import { x509 } from './x509.js';

const ROOT_LIFETIME_MS = 10 * 365.25 * 24 * 3_600_000;

export interface RootMaterial {
  certificatePem: string;
  keyPem: string;
}

/** A new root for `trustDomain`; its name carries the creation time, so two roots are told apart. */
export async function createRootCertificate(trustDomain: string, now: Date): Promise<RootMaterial> {
  const { keys, privateKeyPem } = await createP256Key();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: `O=pilotfish, CN=pilotfish root CA ${trustDomain} ${now.toISOString()}`,
    notBefore: now,
    notAfter: new Date(now.getTime() + ROOT_LIFETIME_MS),
    signingAlgorithm: P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      // SPIFFE: a signing certificate may name its trust domain.
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}` }]),
    ],
  });
  return { certificatePem: certificate.toString('pem') + '\n', keyPem: privateKeyPem };
}
