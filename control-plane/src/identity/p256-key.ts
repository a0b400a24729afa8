// A fresh ECDSA P-256 key pair: WebCrypto keys to sign or certify with, and the private key as
// PKCS#8 PEM, the form the state dir and node:tls take.
import { createPrivateKey, webcrypto } from 'node:crypto';

export const P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export interface P256Key {
  keys: webcrypto.CryptoKeyPair;
  privateKeyPem: string;
}

export async function createP256Key(): Promise<P256Key> {
  const keys = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  return { keys, privateKeyPem };
}
