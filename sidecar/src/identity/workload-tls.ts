// This workload's SVID as TLS wants it: one secure context per certificate (its key and chain, the
// trust bundle to check peers with, TLS 1.3 only), made once per renewal and shared by the inbound
// listener and every upstream connection. New connections take the newest; open ones keep theirs.
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { WorkloadCertificate, WorkloadCertificateState } from './workload-certificate.js';

export interface WorkloadTlsState {
  spiffeId: string;
  /** For servers: setSecureContext() takes options, not a context. */
  options: SecureContextOptions;
  /** For clients: one context for every connection, so each does not parse the key again. */
  context: SecureContext;
}

export class WorkloadTls {
  #state: WorkloadTlsState | undefined;
  readonly #listeners = new Set<(state: WorkloadTlsState) => void>();

  constructor(certificate: WorkloadCertificate) {
    if (certificate.current !== undefined) this.#set(certificate.current);
    certificate.onChange((next) => this.#set(next));
  }

  /** Undefined until the first certificate is issued. */
  get current(): WorkloadTlsState | undefined {
    return this.#state;
  }

  /** Calls `listener` with each renewed certificate. */
  onChange(listener: (state: WorkloadTlsState) => void): void {
    this.#listeners.add(listener);
  }

  #set(certificate: WorkloadCertificateState): void {
    const options: SecureContextOptions = {
      key: certificate.privateKeyPem,
      cert: certificate.certificateChain,
      ca: certificate.trustBundle,
      minVersion: 'TLSv1.3',
    };
    this.#state = { spiffeId: certificate.spiffeId, options, context: createSecureContext(options) };
    for (const listener of this.#listeners) listener(this.#state);
  }
}
