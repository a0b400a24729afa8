// Bootstrap tokens: ES256 JWTs (RFC 7519) that `pilotfish token create` signs with the state dir's
// key, naming the workload (service, namespace, service account) a sidecar outside Kubernetes is.
import { randomUUID, sign, verify } from 'node:crypto';
import { AuthenticationError, type Authenticator, type CallerIdentity } from './authenticator.js';
import { segmentError } from './spiffe-id.js';
import type { TokenSigningKey } from './token-signing-key.js';

export const TOKEN_ISSUER = 'pilotfish';
export const TOKEN_AUDIENCE = 'pilotfish';
// Tolerated difference between the clocks of the machine that made a token and the control plane.
const CLOCK_SKEW_S = 60;

export interface BootstrapClaims {
  service: string;
  namespace: string;
  serviceAccount: string;
}

interface Payload {
  iss?: unknown;
  aud?: unknown;
  sub?: unknown;
  iat?: unknown;
  exp?: unknown;
  namespace?: unknown;
  service_account?: unknown;
}

/** Throws naming the claim that cannot be part of an identity. */
export function checkClaims(claims: BootstrapClaims): void {
  const error =
    segmentError('service', claims.service) ??
    segmentError('namespace', claims.namespace) ??
    segmentError('service account', claims.serviceAccount);
  if (error) throw new Error(error);
}

export function createBootstrapToken(
  key: TokenSigningKey,
  claims: BootstrapClaims,
  ttlMs: number,
  now: number,
): string {
  checkClaims(claims);
  const iat = Math.floor(now / 1000);
  const header = { alg: 'ES256', typ: 'JWT', kid: key.keyId };
  const payload = {
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    sub: claims.service,
    namespace: claims.namespace,
    service_account: claims.serviceAccount,
    iat,
    exp: iat + Math.ceil(ttlMs / 1000),
    jti: randomUUID(),
  };
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

export class BootstrapTokenAuthenticator implements Authenticator {
  constructor(
    private readonly key: TokenSigningKey,
    private readonly now: () => number = Date.now,
  ) {}

  authenticate(token: string): Promise<CallerIdentity | undefined> {
    return new Promise((resolve) => resolve(this.#verify(token)));
  }

  #verify(token: string): CallerIdentity | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decode(headerPart) as { alg?: unknown; kid?: unknown } | undefined;
    const payload = decode(payloadPart) as Payload | undefined;
    // Another issuer's JWT (a Kubernetes service-account token) is for another authenticator.
    if (!header || !payload || payload.iss !== TOKEN_ISSUER) return undefined;
    if (header.alg !== 'ES256')
      throw new AuthenticationError(`bootstrap token: algorithm ${String(header.alg)} is not ES256`);
    if (header.kid !== this.key.keyId)
      throw new AuthenticationError('bootstrap token: signed by another key (made from another state dir?)');
    const isSigned = verify(
      'sha256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      { key: this.key.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signaturePart, 'base64url'),
    );
    if (!isSigned) throw new AuthenticationError('bootstrap token: the signature does not verify');
    if (payload.aud !== TOKEN_AUDIENCE)
      throw new AuthenticationError(`bootstrap token: audience is not "${TOKEN_AUDIENCE}"`);
    const nowS = this.now() / 1000;
    if (typeof payload.exp !== 'number' || payload.exp <= nowS - CLOCK_SKEW_S)
      throw new AuthenticationError(`bootstrap token: expired at ${isoTime(payload.exp)}; create a new one`);
    if (typeof payload.iat !== 'number' || payload.iat > nowS + CLOCK_SKEW_S)
      throw new AuthenticationError(`bootstrap token: issued in the future (${isoTime(payload.iat)})`);
    const claims = { service: payload.sub, namespace: payload.namespace, serviceAccount: payload.service_account };
    if (
      typeof claims.service !== 'string' ||
      typeof claims.namespace !== 'string' ||
      typeof claims.serviceAccount !== 'string'
    )
      throw new AuthenticationError('bootstrap token: sub, namespace or service_account is missing');
    return { ...(claims as BootstrapClaims), authenticatedBy: 'bootstrap token' };
  }
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
