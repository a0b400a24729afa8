// The workload certificate kept beside the config cache (`--config-cache DIR`): a sidecar that starts
// while no control plane answers needs its certificate as much as its config, to call and answer
// peers in mutual TLS. Key and chain in one 0600 file, as SPIRE's agent keeps its SVID in its data
// dir; one that expired, that is another workload's, or that others may read, is not used.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readSecretFile } from '../../../shared/secret-file.js';
import { writeFileAtomically } from '../xds/atomic-file.js';
import type { WorkloadCertificateState } from './workload-certificate.js';

const FILE_NAME = 'workload-certificate.json';

interface CachedCertificate extends Omit<WorkloadCertificateState, 'notAfter'> {
  /** Whose certificate this is (`namespace/service`). */
  owner: string;
  notAfter: string;
}

export class CertificateCache {
  readonly file: string;

  constructor(private readonly options: { dir: string; owner: string; logger: Logger; now?: () => number }) {
    this.file = join(options.dir, FILE_NAME);
  }

  /** The cached certificate, if it is this workload's and still valid (else a line says why not). */
  async load(): Promise<WorkloadCertificateState | undefined> {
    const { logger, owner } = this.options;
    let cached: CachedCertificate;
    try {
      // A key file others may read is not trusted to be this workload's alone (readSecretFile says why).
      cached = JSON.parse(readSecretFile(this.file)) as CachedCertificate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        logger.warn({ file: this.file, reason: String(error) }, 'cached workload certificate unreadable; not used');
      return undefined;
    }
    const notAfter = new Date(cached.notAfter);
    const now = (this.options.now ?? Date.now)();
    const reason =
      cached.owner !== owner
        ? `it is the certificate of ${cached.owner}, not of ${owner}`
        : !(notAfter.getTime() > now)
          ? `it expired at ${cached.notAfter}`
          : undefined;
    if (reason !== undefined) {
      logger.warn({ file: this.file, reason }, 'cached workload certificate not used');
      return undefined;
    }
    const { certificateChain, trustBundle, spiffeId, privateKeyPem } = cached;
    logger.info({ file: this.file, spiffeId, notAfter }, 'cached workload certificate found');
    return { certificateChain, trustBundle, spiffeId, privateKeyPem, notAfter };
  }

  /** Writes `state`; a failure is a warning (the certificate in memory stays in use), never a rejection. */
  save(state: WorkloadCertificateState): Promise<void> {
    const cached: CachedCertificate = { ...state, owner: this.options.owner, notAfter: state.notAfter.toISOString() };
    return writeFileAtomically(this.file, JSON.stringify(cached)).catch((error: unknown) =>
      this.options.logger.warn({ file: this.file, reason: String(error) }, 'writing the workload certificate failed'),
    );
  }
}
