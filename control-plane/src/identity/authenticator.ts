// How a caller proves which workload it is: a bearer token in the call's metadata, checked by each
// authenticator in turn (bootstrap tokens, Kubernetes TokenReview), the first that knows its kind.
import type { WorkloadIdentity } from './spiffe-id.js';

export interface CallerIdentity extends WorkloadIdentity {
  /** The service a bootstrap token was made for; Kubernetes tokens name none. */
  service?: string;
  /** Which authenticator vouched for the caller, for logs. */
  authenticatedBy: string;
}

export interface Authenticator {
  /** The identity behind `token`; undefined when the token is not of this authenticator's kind. */
  authenticate(token: string): Promise<CallerIdentity | undefined>;
}

/** A token of a known kind that does not prove an identity; the message says why. */
export class AuthenticationError extends Error {}

/** The identity behind a bearer `authorization` value, or an AuthenticationError saying why there is none. */
export async function authenticate(
  authorization: string | undefined,
  authenticators: readonly Authenticator[],
): Promise<CallerIdentity> {
  const match = /^Bearer (\S+)$/i.exec(authorization ?? '');
  if (!match)
    throw new AuthenticationError(
      authorization === undefined
        ? 'no credentials: send "authorization: Bearer <token>"'
        : 'the authorization metadata is not "Bearer <token>"',
    );
  const token = match[1] as string;
  for (const authenticator of authenticators) {
    const identity = await authenticator.authenticate(token);
    if (identity) return identity;
  }
  throw new AuthenticationError(
    'the token is of no kind this control plane accepts (a bootstrap token or a Kubernetes service-account token)',
  );
}
