// TokenReview from inside a Kubernetes pod: the API server from KUBERNETES_SERVICE_HOST/PORT, the
// control plane's own service-account token (re-read each time: kubelet rotates it) and the cluster CA.
// undici (for the cluster CA) is loaded only in a pod: a tenth of a second of every other start.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { TokenReviewAuthenticator, type TokenReviewOptions } from './token-review.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The TokenReview authenticator when running in a pod, undefined elsewhere. */
export async function inClusterTokenReview(env: NodeJS.ProcessEnv): Promise<TokenReviewAuthenticator | undefined> {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host === undefined || host === '') return undefined;
  const { Agent, fetch: undiciFetch } = await import('undici');
  const authority = host.includes(':') ? `[${host}]` : host;
  const agent = new Agent({ connect: { ca: readFileSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`, 'utf8') } });
  const fetchWithCa = ((url: URL, init: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(url, { ...init, dispatcher: agent })) as unknown as TokenReviewOptions['fetch'];
  return new TokenReviewAuthenticator({
    apiServer: `https://${authority}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`,
    credential: async () => (await readFile(`${SERVICE_ACCOUNT_DIR}/token`, 'utf8')).trim(),
    fetch: fetchWithCa,
  });
}
