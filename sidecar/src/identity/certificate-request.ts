// A fresh workload key and the CSR that carries its public key to the CA: the private key stays in
// this process (PEM for node:tls), and the CSR asks for no name, since the CA takes the identity
// from the caller's credentials.
import { createPrivateKey, webcrypto } from 'node:crypto';
import { x509 } from './x509.js';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export interface CertificateRequest {
  privateKeyPem: string;
  csrPem: string;
}

export async function createCertificateRequest(): Promise<CertificateRequest> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: '', keys, signingAlgorithm: ALGORITHM });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  return { privateKeyPem, csrPem: csr.toString('pem') };
}
