// The control plane's identity setup from its options: the CA (state dir, or the operator's files),
// the SVID issuer, and the authenticators that callers' tokens are checked by (bootstrap tokens;
// in a pod, Kubernetes service-account tokens too).
import type { Authenticator } from './authenticator.js';
import { BootstrapTokenAuthenticator } from './bootstrap-token.js';
import { toPem, type CertificateAuthority } from './certificate-authority.js';
import { inClusterTokenReview } from './in-cluster-token-review.js';
import { loadOperatorCa } from './operator-ca.js';
import { trustDomainError } from './spiffe-id.js';
import { loadStateDirCa } from './state-dir-ca.js';
import { SvidIssuer } from './svid-issuer.js';
import { loadTokenSigningKey, type TokenSigningKey } from './token-signing-key.js';
import { trustBundleFile } from './trust-bundle-file.js';
import { replaceFile } from '../../../shared/replace-file.js';

export interface IdentityOptions {
  /** Where the CA's root and the token signing key live (made on first start). */
  stateDir: string;
  /** An operator's CA certificate (with its chain) and key, instead of the state dir's root. */
  caCertificateFile?: string;
  caKeyFile?: string;
  trustDomain: string;
  /** How long workload certificates are valid (--workload-cert-ttl, checked by parseSvidLifetime); 24 h by default. */
  workloadCertificateLifetimeMs?: number;
}

export interface MeshIdentity {
  trustDomain: string;
  ca: CertificateAuthority;
  issuer: SvidIssuer;
  authenticators: Authenticator[];
  /** Signs and checks bootstrap and admin tokens. */
  tokenKey: TokenSigningKey;
}

export async function loadMeshIdentity(options: IdentityOptions): Promise<MeshIdentity> {
  const domainError = trustDomainError(options.trustDomain);
  if (domainError) throw new Error(`--trust-domain: ${domainError}`);
  if ((options.caCertificateFile === undefined) !== (options.caKeyFile === undefined))
    throw new Error('--ca-cert and --ca-key go together: give both, or neither to use the state dir CA');
  const now = new Date();
  const ca =
    options.caCertificateFile !== undefined && options.caKeyFile !== undefined
      ? await loadOperatorCa(options.caCertificateFile, options.caKeyFile, now)
      : await loadStateDirCa(options.stateDir, options.trustDomain, now);
  const issuer = new SvidIssuer({
    ca,
    trustDomain: options.trustDomain,
    lifetimeMs: options.workloadCertificateLifetimeMs,
  });
  // In a pod, pods' projected service-account tokens are accepted too, checked by TokenReview.
  const tokenReview = await inClusterTokenReview(process.env);
  const tokenKey = loadTokenSigningKey(options.stateDir);
  const authenticators: Authenticator[] = [new BootstrapTokenAuthenticator(tokenKey)];
  if (tokenReview) authenticators.push(tokenReview);
  // Public: readable by everyone who needs to trust the control plane.
  replaceFile(trustBundleFile(options.stateDir), toPem(ca.trustBundle), 0o644);
  return { trustDomain: options.trustDomain, ca, issuer, authenticators, tokenKey };
}
