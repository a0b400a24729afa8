// SPIFFE IDs of workloads, spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>, the form
// Istio uses; the trust domain names the mesh (its CA), the path the workload.

export interface WorkloadIdentity {
  namespace: string;
  serviceAccount: string;
}

// SPIFFE's trust domain grammar: lowercase letters, digits, dots, dashes and underscores.
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
// A path segment: SPIFFE allows letters, digits, dots, dashes and underscores, but not "." or "..".
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** The reason `trustDomain` is not a SPIFFE trust domain, or undefined when it is one. */
export function trustDomainError(trustDomain: string): string | undefined {
  if (!TRUST_DOMAIN.test(trustDomain))
    return `"${trustDomain}" is not a trust domain (lowercase letters, digits, ".", "-", "_"; e.g. cluster.local)`;
  return undefined;
}

/** The reason `value` cannot be a namespace or service account in a SPIFFE ID, or undefined. */
export function segmentError(what: string, value: string): string | undefined {
  if (!SEGMENT.test(value) || value === '.' || value === '..')
    return `${what} "${value}" cannot be part of a SPIFFE ID (letters, digits, ".", "-", "_")`;
  return undefined;
}

export function spiffeId(trustDomain: string, identity: WorkloadIdentity): string {
  return `spiffe://${trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}

/** The workload a SPIFFE ID of `trustDomain` names; undefined for any other ID. */
export function parseSpiffeId(trustDomain: string, id: string): WorkloadIdentity | undefined {
  const match = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(id);
  if (!match || match[1] !== trustDomain) return undefined;
  return { namespace: match[2] as string, serviceAccount: match[3] as string };
}
