// A fresh workload key and the CSR that carries its public key to the CA: the private key stays in
// this process (PEM for node:tls), and the CSR asks for no name, since the CA takes the identity
// from the caller's credentials. The CSR is a PKCS #10 request (RFC 2986) written with node:crypto
// alone: an X.509 library would be loaded into every sidecar for these few bytes.
import { generateKeyPair, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { BIT_STRING, CONTEXT_0, INTEGER, pem, SEQUENCE, tlv } from './der.js';

/** AlgorithmIdentifier ecdsa-with-SHA256 (1.2.840.10045.4.3.2), no parameters (RFC 5758). */
const ECDSA_WITH_SHA256 = Buffer.from('300a06082a8648ce3d040302', 'hex');

export interface CertificateRequest {
  privateKeyPem: string;
  csrPem: string;
}

export async function createCertificateRequest(): Promise<CertificateRequest> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
  const info = tlv(
    SEQUENCE,
    tlv(INTEGER, Buffer.from([0])),
    tlv(SEQUENCE),
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(CONTEXT_0),
  );
  // An ECDSA signature in DER (node's default), in a BIT STRING with no unused bits.
  const signature = sign('sha256', info, privateKey);
  const csr = tlv(SEQUENCE, info, ECDSA_WITH_SHA256, tlv(BIT_STRING, Buffer.from([0]), signature));
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    csrPem: pem('CERTIFICATE REQUEST', csr),
  };
}
