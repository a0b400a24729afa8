// A workload's certificate signing request, checked: only its public key goes into a certificate,
// so it must hold one, prove possession of it (its signature), and ask for no other name.
import { x509 } from './x509.js';

const SUBJECT_ALT_NAME = '2.5.29.17';

export class InvalidCsrError extends Error {}

/** The CSR's public key; throws InvalidCsrError naming what is wrong with it. */
export async function checkCsr(pem: string, spiffeId: string): Promise<x509.PublicKey> {
  if (pem.trim() === '') throw new InvalidCsrError('no CSR: send a PEM PKCS#10 certificate request');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem.trim());
  } catch (error) {
    throw new InvalidCsrError(`the CSR is not a PEM PKCS#10 certificate request (${String(error)})`);
  }
  let publicKey: x509.PublicKey;
  try {
    publicKey = csr.publicKey;
    await publicKey.export();
  } catch {
    throw new InvalidCsrError('the CSR holds no usable public key (ECDSA P-256/P-384 or RSA)');
  }
  let isSigned = false;
  try {
    isSigned = await csr.verify();
  } catch {
    isSigned = false;
  }
  if (!isSigned) throw new InvalidCsrError("the CSR's signature does not verify with its public key");
  const extension = csr.extensions.find((e) => e.type === SUBJECT_ALT_NAME);
  const names = extension ? new x509.SubjectAlternativeNameExtension(extension.rawData).names.items : [];
  const others = names.filter((name) => !(name.type === 'url' && name.value === spiffeId));
  if (others.length > 0)
    throw new InvalidCsrError(
      `the CSR asks for names (${others.map((name) => `${name.type}:${name.value}`).join(', ')}); the certificate's only name is the caller's identity ${spiffeId}: send a CSR without subjectAltName`,
    );
  return publicKey;
}
