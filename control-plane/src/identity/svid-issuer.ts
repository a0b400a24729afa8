// Issues X.509-SVIDs: a leaf for the caller's authenticated identity (never a name from the CSR),
// following the SPIFFE X.509-SVID rules: one URI SAN, cA=false, digitalSignature, server+client auth.
import type { CertificateAuthority } from './certificate-authority.js';
import { toPem } from './certificate-authority.js';
import { checkCsr } from './csr.js';
import { randomSerialNumber } from './serial-number.js';
import { spiffeId, type WorkloadIdentity } from './spiffe-id.js';
import { DEFAULT_SVID_LIFETIME_MS } from './svid-lifetime.js';
import { x509 } from './x509.js';

// Backdated so a peer whose clock is a little behind accepts it at once.
const BACKDATE_MS = 2 * 60_000;

export interface Svid {
  certificateChain: string;
  trustBundle: string;
  spiffeId: string;
  notAfter: Date;
}

export interface SvidIssuerOptions {
  ca: CertificateAuthority;
  trustDomain: string;
  /** How long each leaf is valid (--workload-cert-ttl); 24 h by default. */
  lifetimeMs?: number;
  now?: () => number;
}

export class SvidIssuer {
  readonly #now: () => number;
  readonly #lifetimeMs: number;

  constructor(private readonly options: SvidIssuerOptions) {
    this.#now = options.now ?? Date.now;
    this.#lifetimeMs = options.lifetimeMs ?? DEFAULT_SVID_LIFETIME_MS;
  }

  /**
   * A leaf for `identity` with the CSR's key; throws InvalidCsrError for a bad CSR. The subject's
   * CN is the service a bootstrap token named: the control plane lets the certificate's holder
   * register instances of that service (the SPIFFE ID names only the service account).
   */
  async issue(csrPem: string, identity: WorkloadIdentity & { service?: string }): Promise<Svid> {
    const { ca, trustDomain } = this.options;
    const id = spiffeId(trustDomain, identity);
    const publicKey = await checkCsr(csrPem, id);
    // Whole seconds, as X.509 times carry them, so not_after says exactly what the leaf says.
    const now = Math.floor(this.#now() / 1000) * 1000;
    // Never valid longer than the CA that signs it.
    const notAfter = new Date(Math.min(now + this.#lifetimeMs, ca.certificate.notAfter.getTime()));
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialNumber(),
      subject: identity.service === undefined ? '' : `CN=${identity.service}`,
      issuer: ca.certificate.subjectName,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter,
      signingAlgorithm: ca.key.algorithm,
      publicKey,
      signingKey: ca.key.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        // Critical, as the subject may be empty (RFC 5280 4.2.1.6).
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: id }], true),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
      ],
    });
    return {
      certificateChain: toPem([leaf, ...ca.chain]),
      trustBundle: toPem(ca.trustBundle),
      spiffeId: id,
      notAfter,
    };
  }
}
