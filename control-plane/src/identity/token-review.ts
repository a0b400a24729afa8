// Kubernetes service-account tokens, checked by the API server's TokenReview (audience "pilotfish",
// the audience of the pod's projected token): the identity is the service account it names.
import { AuthenticationError, type Authenticator, type CallerIdentity } from './authenticator.js';
import { TOKEN_ISSUER } from './signed-token.js';

export const TOKEN_REVIEW_AUDIENCE = 'pilotfish';
const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

export interface TokenReviewOptions {
  /** The API server, e.g. https://kubernetes.default.svc. */
  apiServer: string;
  /** The control plane's own credential for the API server (its service-account token). */
  credential: () => Promise<string>;
  /** fetch with the API server's CA trusted. */
  fetch: typeof fetch;
}

interface TokenReviewStatus {
  authenticated?: boolean;
  error?: string;
  audiences?: string[];
  user?: { username?: string };
}

export class TokenReviewAuthenticator implements Authenticator {
  constructor(private readonly options: TokenReviewOptions) {}

  async authenticate(token: string): Promise<CallerIdentity | undefined> {
    if (isBootstrapToken(token)) return undefined;
    const url = new URL('/apis/authentication.k8s.io/v1/tokenreviews', this.options.apiServer);
    const response = await this.options.fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.options.credential()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token, audiences: [TOKEN_REVIEW_AUDIENCE] },
      }),
    });
    if (!response.ok)
      throw new Error(
        `TokenReview at ${url.origin} answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
      );
    const status = ((await response.json()) as { status?: TokenReviewStatus }).status ?? {};
    if (status.authenticated !== true)
      throw new AuthenticationError(`Kubernetes token refused by TokenReview: ${status.error ?? 'not authenticated'}`);
    if (!(status.audiences ?? []).includes(TOKEN_REVIEW_AUDIENCE))
      throw new AuthenticationError(`Kubernetes token is not for audience "${TOKEN_REVIEW_AUDIENCE}"`);
    const user = SERVICE_ACCOUNT_USER.exec(status.user?.username ?? '');
    if (!user)
      throw new AuthenticationError(
        `Kubernetes token is not a service account's (user ${status.user?.username ?? 'unknown'})`,
      );
    return {
      namespace: user[1] as string,
      serviceAccount: user[2] as string,
      authenticatedBy: 'kubernetes TokenReview',
    };
  }
}

function isBootstrapToken(token: string): boolean {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      iss?: unknown;
    };
    return payload.iss === TOKEN_ISSUER;
  } catch {
    return false;
  }
}
