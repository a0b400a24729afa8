// The control plane's own TLS certificate for its gRPC port, signed by the mesh CA: DNS and IP
// names (the listen host, the in-cluster Service name), never a SPIFFE ID, so no workload's
// certificate can pass for the control plane and no control-plane certificate for a workload.
import { isIP } from 'node:net';
import { toPem, type CertificateAuthority } from './certificate-authority.js';
import { createP256Key } from './p256-key.js';
import { randomSerialNumber } from './serial-number.js';
import { x509 } from './x509.js';

// As long as a workload's SVID: renewed at half life like theirs.
export const SERVING_LIFETIME_MS = 24 * 3_600_000;
const BACKDATE_MS = 2 * 60_000;

export interface ServingCertificate {
  /** PEM: the leaf, then the CA's chain. */
  certificateChain: string;
  privateKeyPem: string;
  /** PEM: the roots clients' certificates are checked against. */
  trustBundle: string;
  notAfter: Date;
}

/** The names a client may dial the control plane by: `listenHost` (unless a wildcard), loopback, and the in-cluster Service. */
export function servingNames(listenHost: string, serviceNamespace: string): string[] {
  const names = ['localhost', '127.0.0.1', '::1', `pilotfish-control-plane.${serviceNamespace}.svc`];
  names.push(`pilotfish-control-plane.${serviceNamespace}.svc.cluster.local`);
  if (listenHost !== '0.0.0.0' && listenHost !== '::' && !names.includes(listenHost)) names.unshift(listenHost);
  return names;
}

export async function issueServingCertificate(
  ca: CertificateAuthority,
  names: string[],
  now: number,
): Promise<ServingCertificate> {
  const { keys, privateKeyPem } = await createP256Key();
  const notAfter = new Date(Math.min(now + SERVING_LIFETIME_MS, ca.certificate.notAfter.getTime()));
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: 'O=pilotfish, CN=pilotfish-control-plane',
    issuer: ca.certificate.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter,
    signingAlgorithm: ca.key.algorithm,
    publicKey: keys.publicKey,
    signingKey: ca.key.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name) => ({ type: isIP(name) ? ('ip' as const) : ('dns' as const), value: name })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
  return {
    certificateChain: toPem([leaf, ...ca.chain]),
    privateKeyPem,
    trustBundle: toPem(ca.trustBundle),
    notAfter,
  };
}
