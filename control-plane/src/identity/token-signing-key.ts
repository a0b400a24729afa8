// The key bootstrap tokens are signed with (ES256), kept in the state dir beside the CA (0600);
// `pilotfish token create` and the control plane each make it if it is not there yet.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readSecretFile, writeSecretFile } from '../../../shared/secret-file.js';

export interface TokenSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** JWT `kid`: the RFC 7638 thumbprint of the public key. */
  keyId: string;
}

export function tokenSigningKeyFile(stateDir: string): string {
  return join(stateDir, 'token-signing.key');
}

/** A new token signing key, as its file holds it (PKCS #8 PEM). */
export function newTokenSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function loadTokenSigningKey(stateDir: string): TokenSigningKey {
  const file = tokenSigningKeyFile(stateDir);
  if (!existsSync(file)) writeSecretFile(file, newTokenSigningKeyPem());
  const pem = readSecretFile(file);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new Error(`${file}: not the token signing key (a PEM P-256 private key)`, { cause: error });
  }
  if (privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error(`${file}: the token signing key must be ECDSA P-256 (ES256)`);
  const publicKey = createPublicKey(privateKey);
  const { crv, kty, x, y } = publicKey.export({ format: 'jwk' });
  const keyId = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
  return { privateKey, publicKey, keyId };
}
