// TLS for the gRPC port: the control plane's serving certificate from its own CA, renewed at half
// its lifetime (grpc-js takes the new one for new connections), and the trust bundle that client
// certificates (workload SVIDs) are verified against. A client certificate is optional: a workload
// without one yet sends its bootstrap token, an operator its admin token.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { CertificateAuthority } from '../identity/certificate-authority.js';
import { issueServingCertificate } from '../identity/serving-certificate.js';

type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

const RETRY_MS = 60_000;

export class ServingCredentials implements grpc.experimental.CertificateProvider {
  #ca: grpc.experimental.CaCertificateUpdate | undefined;
  #identity: grpc.experimental.IdentityCertificateUpdate | undefined;
  readonly #caListeners = new Set<CaListener>();
  readonly #identityListeners = new Set<IdentityListener>();
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly ca: CertificateAuthority,
    private readonly names: string[],
    private readonly logger: Logger,
  ) {}

  /** Issues the first certificate for `names` (the host names and addresses clients dial). */
  static async start(ca: CertificateAuthority, names: string[], logger: Logger): Promise<ServingCredentials> {
    const credentials = new ServingCredentials(ca, names, logger);
    await credentials.#renew();
    return credentials;
  }

  get serverCredentials(): grpc.ServerCredentials {
    // One object is both providers: grpc-js names the two arguments in one order and reads them in the other.
    return grpc.experimental.createCertificateProviderServerCredentials(this, this, false);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  // Told after the call returns: grpc-js registers its own watcher only after adding the listener.
  addCaCertificateListener(listener: CaListener): void {
    this.#caListeners.add(listener);
    queueMicrotask(() => this.#caListeners.has(listener) && this.#ca && listener(this.#ca));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.#caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.add(listener);
    queueMicrotask(() => this.#identityListeners.has(listener) && this.#identity && listener(this.#identity));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.delete(listener);
  }

  async #renew(): Promise<void> {
    try {
      const now = Date.now();
      const issued = await issueServingCertificate(this.ca, this.names, now);
      this.#ca = { caCertificate: Buffer.from(issued.trustBundle) };
      this.#identity = {
        certificate: Buffer.from(issued.certificateChain),
        privateKey: Buffer.from(issued.privateKeyPem),
      };
      for (const listener of this.#caListeners) listener(this.#ca);
      for (const listener of this.#identityListeners) listener(this.#identity);
      const renewInMs = (issued.notAfter.getTime() - now) / 2;
      this.logger.info({ names: this.names, notAfter: issued.notAfter }, 'gRPC serving certificate issued');
      this.#timer = setTimeout(() => void this.#renew(), renewInMs);
    } catch (error) {
      // The certificate in use stays until it expires; the first one's failure fails the start.
      if (this.#identity === undefined) throw error;
      this.logger.error({ err: error, retryMs: RETRY_MS }, 'renewing the gRPC serving certificate failed');
      this.#timer = setTimeout(() => void this.#renew(), RETRY_MS);
    }
  }
}
