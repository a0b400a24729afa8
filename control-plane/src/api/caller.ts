// Who is calling the control plane's API: a workload (by its X.509-SVID as the TLS client
// certificate, or its bootstrap / Kubernetes token before it has one) or an operator (by an admin
// token). The first names the workload's service in the certificate's subject CN, as the SVID
// issuer puts it there, so a workload keeps the right to register its service after its token expired.
import type * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { authenticate, AuthenticationError, type Authenticator } from '../identity/authenticator.js';
import { verifyOperatorToken } from '../identity/operator-token.js';
import { parseSpiffeId, spiffeId } from '../identity/spiffe-id.js';
import type { TokenSigningKey } from '../identity/token-signing-key.js';

export interface WorkloadCaller {
  kind: 'workload';
  spiffeId: string;
  namespace: string;
  serviceAccount: string;
  /** The service it may register; Kubernetes tokens name none (any service of its namespace). */
  service?: string;
  authenticatedBy: string;
}

export interface OperatorCaller {
  kind: 'operator';
  name: string;
  authenticatedBy: string;
}

export type Caller = WorkloadCaller | OperatorCaller;

export interface CallAuthentication {
  trustDomain: string;
  authenticators: readonly Authenticator[];
  tokenKey: TokenSigningKey;
  now?: () => number;
}

/** Whether `caller` is (or may stand for) `service` in `namespace`: its own namespace, and its own service when its identity names one. */
export function isOwnService(caller: WorkloadCaller, namespace: string, service: string): boolean {
  return namespace === caller.namespace && (caller.service === undefined || service === caller.service);
}

/** The caller of a call with `metadata` on a connection whose client certificate, if any, TLS verified. */
export async function authenticateCall(
  metadata: grpc.Metadata,
  certificate: PeerCertificate | undefined,
  auth: CallAuthentication,
): Promise<Caller> {
  if (certificate) return workloadOfCertificate(certificate, auth.trustDomain);
  const [authorization] = metadata.get('authorization');
  const bearer = typeof authorization === 'string' ? /^Bearer (\S+)$/i.exec(authorization)?.[1] : undefined;
  const operator = bearer && verifyOperatorToken(auth.tokenKey, bearer, (auth.now ?? Date.now)());
  if (operator) return { kind: 'operator', name: operator.name, authenticatedBy: 'admin token' };
  const workload = await authenticate(
    typeof authorization === 'string' ? authorization : undefined,
    auth.authenticators,
  );
  return { kind: 'workload', spiffeId: spiffeId(auth.trustDomain, workload), ...workload };
}

function workloadOfCertificate(certificate: PeerCertificate, trustDomain: string): WorkloadCaller {
  const uri = /^URI:(spiffe:\/\/\S+)$/.exec(certificate.subjectaltname ?? '')?.[1];
  const workload = uri === undefined ? undefined : parseSpiffeId(trustDomain, uri);
  if (!uri || !workload)
    throw new AuthenticationError(
      `the client certificate names no workload of trust domain ${trustDomain} (${certificate.subjectaltname ?? 'no SAN'})`,
    );
  const service = typeof certificate.subject?.CN === 'string' ? certificate.subject.CN : undefined;
  return { kind: 'workload', spiffeId: uri, ...workload, service, authenticatedBy: 'client certificate' };
}
