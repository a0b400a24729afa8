// A CA's private key as WebCrypto needs it to sign: the algorithm follows the key (ECDSA P-256 or
// P-384, RSA), read from PEM with node:crypto, which knows every PEM form (PKCS#8, SEC1, PKCS#1).
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';

export interface SigningKey {
  privateKey: webcrypto.CryptoKey;
  /** The WebCrypto algorithm (import and signing parameters) of this key. */
  algorithm: SigningAlgorithm;
  keyObject: KeyObject;
}

export interface SigningAlgorithm {
  name: string;
  hash: string;
  namedCurve?: string;
}

function algorithmOf(key: KeyObject, source: string): SigningAlgorithm {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1')
    return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1')
    return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048)
    return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  throw new Error(
    `${source}: unsupported key (${key.asymmetricKeyType ?? 'unknown'} ${curve ?? key.asymmetricKeyDetails?.modulusLength ?? ''}); use ECDSA P-256, P-384 or RSA ≥ 2048 bits`,
  );
}

/** Reads a PEM private key; `source` names it in errors (a file, or the state dir). */
export async function importSigningKey(pem: string, source: string): Promise<SigningKey> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (error) {
    throw new Error(`${source}: not a PEM private key`, { cause: error });
  }
  const algorithm = algorithmOf(keyObject, source);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  return { privateKey, algorithm, keyObject };
}
