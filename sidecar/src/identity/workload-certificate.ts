// This sidecar's X.509-SVID: requested at start with a fresh key, renewed (new key) at about half
// its remaining lifetime with jitter, so a fleet does not renew at once; the last good one stays
// in use while a renewal fails; within seconds when the control plane's roots change (renewSoon,
// spread so the fleet told at once does not call the CA at once). Later mTLS listeners read `current`.
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
  /** In [0, 1): where in the renewal window (40–60% of the remaining lifetime, or the roots-change spread) to renew. */
  random?: () => number;
  /** Over how long renewals for new roots are spread (ROOTS_CHANGE_SPREAD_MS unless given). */
  rootsChangeSpreadMs?: number;
}

/**
 * Every sidecar of a fleet sees new roots within a second of the control plane writing them: at
 * once, 5,000 renewals (key, CSR, signature) would land on the CA together. Spread over 30 s, a
 * rotation still completes in seconds next to the day before `pilotfish ca retire` may run.
 */
export const ROOTS_CHANGE_SPREAD_MS = 30_000;

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export class WorkloadCertificate {
  #current: WorkloadCertificateState | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retryMs = FIRST_RETRY_MS;
  #stopped = false;
  #isRenewing = false;
  /** renewSoon() was called while a renewal was in flight: that one may have gone to the old roots' control plane. */
  #isRenewalDue = false;
  /** When the scheduled renewal runs (clock of `now`); undefined while none is scheduled. */
  #dueAt: number | undefined;
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

  /** Over how long renewSoon() spreads a renewal. */
  get rootsChangeSpreadMs(): number {
    return this.options.rootsChangeSpreadMs ?? ROOTS_CHANGE_SPREAD_MS;
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

  /**
   * Renews at a random point of the next `rootsChangeSpreadMs` rather than when due (a new trust
   * bundle to take, a leaf of another root), or when due if that comes first; after the one in flight.
   */
  renewSoon(): void {
    if (this.#stopped) return;
    if (this.#isRenewing) {
      this.#isRenewalDue = true;
      return;
    }
    const delayMs = this.#random() * this.rootsChangeSpreadMs;
    if (this.#dueAt !== undefined && this.#dueAt <= this.#now() + delayMs) return;
    clearTimeout(this.#timer);
    this.#schedule(delayMs);
  }

  async #renew(): Promise<void> {
    this.#dueAt = undefined;
    this.#isRenewing = true;
    try {
      await this.#request();
    } finally {
      this.#isRenewing = false;
    }
    if (this.#isRenewalDue) {
      this.#isRenewalDue = false;
      this.renewSoon();
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
    this.#dueAt = this.#now() + delayMs;
    this.#timer = setTimeout(() => void this.#renew(), delayMs);
  }
}
