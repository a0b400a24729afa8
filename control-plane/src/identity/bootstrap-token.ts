// Bootstrap tokens: the signed tokens `pilotfish token create` makes with the state dir's key,
// naming the workload (service, namespace, service account) a sidecar outside Kubernetes is.
import { AuthenticationError, type Authenticator, type CallerIdentity } from './authenticator.js';
import { OPERATOR_ROLE, signToken, verifyToken } from './signed-token.js';
import { segmentError } from './spiffe-id.js';
import type { TokenSigningKey } from './token-signing-key.js';

export interface BootstrapClaims {
  service: string;
  namespace: string;
  serviceAccount: string;
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
  return signToken(
    key,
    { sub: claims.service, namespace: claims.namespace, service_account: claims.serviceAccount },
    ttlMs,
    now,
  );
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
    const payload = verifyToken(this.key, token, this.now());
    // An operator's admin token proves no workload.
    if (!payload || payload.role === OPERATOR_ROLE) return undefined;
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
