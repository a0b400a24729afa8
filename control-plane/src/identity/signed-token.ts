// The tokens the state dir's key signs: ES256 JWTs (RFC 7519) of issuer and audience "pilotfish".
// A workload's bootstrap token names its service; an operator's admin token (role "operator")
// names the operator. Both are checked here the same way: signature, key, audience, lifetime.
import { randomUUID, sign, verify } from 'node:crypto';
import { AuthenticationError } from './authenticator.js';
import type { TokenSigningKey } from './token-signing-key.js';

export const TOKEN_ISSUER = 'pilotfish';
export const TOKEN_AUDIENCE = 'pilotfish';
export const OPERATOR_ROLE = 'operator';
// Tolerated difference between the clocks of the machine that made a token and the control plane.
const CLOCK_SKEW_S = 60;

export interface TokenPayload {
  iss?: unknown;
  aud?: unknown;
  sub?: unknown;
  iat?: unknown;
  exp?: unknown;
  role?: unknown;
  namespace?: unknown;
  service_account?: unknown;
}

export function signToken(key: TokenSigningKey, claims: TokenPayload, ttlMs: number, now: number): string {
  const iat = Math.floor(now / 1000);
  const header = { alg: 'ES256', typ: 'JWT', kid: key.keyId };
  const payload = {
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    ...claims,
    iat,
    exp: iat + Math.ceil(ttlMs / 1000),
    jti: randomUUID(),
  };
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

/**
 * The payload of a token this key signed and that may be used now; undefined when the token is
 * not one of ours (another issuer's JWT); throws AuthenticationError saying why ours is refused.
 */
export function verifyToken(key: TokenSigningKey, token: string, nowMs: number): TokenPayload | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decode(headerPart) as { alg?: unknown; kid?: unknown } | undefined;
  const payload = decode(payloadPart) as TokenPayload | undefined;
  // Another issuer's JWT (a Kubernetes service-account token) is for another authenticator.
  if (!header || !payload || payload.iss !== TOKEN_ISSUER) return undefined;
  const kind = payload.role === OPERATOR_ROLE ? 'admin token' : 'bootstrap token';
  if (header.alg !== 'ES256') throw new AuthenticationError(`${kind}: algorithm ${String(header.alg)} is not ES256`);
  if (header.kid !== key.keyId)
    throw new AuthenticationError(`${kind}: signed by another key (made from another state dir?)`);
  const isSigned = verify(
    'sha256',
    Buffer.from(`${headerPart}.${payloadPart}`),
    { key: key.publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!isSigned) throw new AuthenticationError(`${kind}: the signature does not verify`);
  if (payload.aud !== TOKEN_AUDIENCE) throw new AuthenticationError(`${kind}: audience is not "${TOKEN_AUDIENCE}"`);
  const nowS = nowMs / 1000;
  if (typeof payload.exp !== 'number' || payload.exp <= nowS - CLOCK_SKEW_S)
    throw new AuthenticationError(`${kind}: expired at ${isoTime(payload.exp)}; create a new one`);
  if (typeof payload.iat !== 'number' || payload.iat > nowS + CLOCK_SKEW_S)
    throw new AuthenticationError(`${kind}: issued in the future (${isoTime(payload.iat)})`);
  return payload;
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(part: string): unknown {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function isoTime(seconds: unknown): string {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : String(seconds);
}
