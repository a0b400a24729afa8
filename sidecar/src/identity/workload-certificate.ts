// This sidecar's X.509-SVID: requested at start with a fresh key, renewed (new key) at about half
// its remaining lifetime with jitter, so a fleet does not renew at once; the last good one stays
// in use while a renewal fails; at once when the control plane's roots change (renewNow). Later
// mTLS listeners read `current`.
import type { Logger } from 'pino';
import { createCertificateRequest } from './certificate-request.js';

export interface SignedCertificate {
  /** PEM: the leaf, then any intermediates. */
  certificateChain: string;
  /** PEM: the roots peers' certificates are checked against. */
  trustBundle: string;
  spiffeId: string;
  notAfter: Date;
}

export interface WorkloadCertificateState extends SignedCertificate {
  privateKeyPem: string;
}

export interface WorkloadCertificateOptions {
  sign(csrPem: string): Promise<SignedCertificate>;
  logger: Logger;
  now?: () => number;
  /** In [0, 1): where in the renewal window (40–60% of the remaining lifetime) to renew. */
  random?: () => number;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export class WorkloadCertificate {
  #current: WorkloadCertificateState | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retryMs = FIRST_RETRY_MS;
  #stopped = false;
  #isRenewing = false;
  /** renewNow() was called while a renewal was in flight: that one may have gone to the old roots' control plane. */
  #isRenewalDue = false;
  readonly #listeners = new Set<(state: WorkloadCertificateState) => void>();
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(private readonly options: WorkloadCertificateOptions) {
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  get current(): WorkloadCertificateState | undefined {
    return this.#current;
  }

  /** Calls `listener` with each new certificate; returns a function that stops it. */
  onChange(listener: (state: WorkloadCertificateState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Requests the first certificate; with `cached` (one this workload held before it restarted, still
   * valid) in use meanwhile, so peers are called and answered while no control plane answers.
   */
  start(cached?: WorkloadCertificateState): void {
    if (cached) {
      this.#current = cached;
      for (const listener of this.#listeners) listener(cached);
    }
    void this.#renew();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Renews now rather than when due (a new trust bundle to take, a leaf of another root); after the one in flight. */
  renewNow(): void {
    if (this.#stopped) return;
    if (this.#isRenewing) {
      this.#isRenewalDue = true;
      return;
    }
    clearTimeout(this.#timer);
    void this.#renew();
  }

  async #renew(): Promise<void> {
    this.#isRenewing = true;
    try {
      await this.#request();
    } finally {
      this.#isRenewing = false;
    }
    if (this.#isRenewalDue) {
      this.#isRenewalDue = false;
      this.renewNow();
    }
  }

  async #request(): Promise<void> {
    const { logger } = this.options;
    try {
      const request = await createCertificateRequest();
      const signed = await this.options.sign(request.csrPem);
      if (this.#stopped) return;
      this.#current = { ...signed, privateKeyPem: request.privateKeyPem };
      this.#retryMs = FIRST_RETRY_MS;
      const remainingMs = signed.notAfter.getTime() - this.#now();
      const delayMs = Math.max(0, remainingMs * (0.4 + 0.2 * this.#random()));
      logger.info(
        { spiffeId: signed.spiffeId, notAfter: signed.notAfter, renewAt: new Date(this.#now() + delayMs) },
        'workload certificate issued',
      );
      this.#schedule(delayMs);
      for (const listener of this.#listeners) listener(this.#current);
    } catch (error) {
      if (this.#stopped) return;
      logger.warn(
        {
          reason: error instanceof Error ? error.message : String(error),
          retryMs: this.#retryMs,
          hasCertificate: this.#current !== undefined,
        },
        'workload certificate request failed; retrying',
      );
      this.#schedule(this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#renew(), delayMs);
  }
}
