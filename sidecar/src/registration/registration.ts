// Keeps this sidecar's app registered: registers with a lease, renews it over a KeepAlive stream
// at a third of its TTL, registers again when the control plane no longer knows the lease (it
// restarted, or the lease expired during a partition), and deregisters on stop.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Instance } from '../../../proto/gen/pilotfish/v1/Instance.js';
import type { KeepAliveRequest } from '../../../proto/gen/pilotfish/v1/KeepAliveRequest.js';
import type { KeepAliveResponse__Output } from '../../../proto/gen/pilotfish/v1/KeepAliveResponse.js';
import type { RegistryClient } from '../../../proto/gen/pilotfish/v1/Registry.js';
import { pilotfish } from '../../../proto/pilotfish.js';

export interface RegistrationOptions {
  controlPlane: string;
  instance: Instance;
  ttlSeconds: number;
  logger: Logger;
}

const RETRY_MS = 1000;
const DEREGISTER_DEADLINE_MS = 1000;

export class Registration {
  #client: RegistryClient;
  #leaseId = '';
  #stream: grpc.ClientDuplexStream<KeepAliveRequest, KeepAliveResponse__Output> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(private readonly options: RegistrationOptions) {
    this.#client = new pilotfish.Registry(options.controlPlane, grpc.credentials.createInsecure());
  }

  get leaseId(): string {
    return this.#leaseId;
  }

  /** Registers in the background, retrying until the control plane accepts or refuses for good. */
  start(): void {
    this.#register();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#stream?.cancel();
    if (this.#leaseId !== '') {
      await new Promise<void>((resolve) =>
        this.#client.Deregister(
          { lease_id: this.#leaseId },
          { deadline: Date.now() + DEREGISTER_DEADLINE_MS },
          (error) => {
            if (error) this.options.logger.warn({ err: error.details }, 'deregistration failed; the lease will expire');
            resolve();
          },
        ),
      );
    }
    this.#client.close();
  }

  #register(): void {
    if (this.#stopped) return;
    const { instance, ttlSeconds, logger } = this.options;
    // The lease held so far (if any) lets the control plane tell this sidecar from an impostor.
    this.#client.Register({ instance, ttl_seconds: ttlSeconds, lease_id: this.#leaseId }, (error, response) => {
      if (this.#stopped) return;
      if (error || !response) {
        if (error?.code === grpc.status.INVALID_ARGUMENT) {
          // Retrying cannot fix a bad registration: say what is wrong and stop trying.
          logger.error({ reason: error.details }, 'registration refused by the control plane');
          return;
        }
        logger.warn({ reason: error?.details }, `registration failed; retrying in ${RETRY_MS} ms`);
        this.#timer = setTimeout(() => this.#register(), RETRY_MS);
        return;
      }
      this.#leaseId = response.lease_id ?? '';
      logger.info(
        { lease: this.#leaseId, ttlSeconds: response.ttl_seconds, instance: response.instance },
        'registered',
      );
      this.#keepAlive(Math.max(1, response.ttl_seconds ?? ttlSeconds));
    });
  }

  #keepAlive(ttlSeconds: number): void {
    const stream = this.#client.KeepAlive();
    this.#stream = stream;
    const renew = () => {
      stream.write({ lease_id: this.#leaseId });
      this.#timer = setTimeout(renew, (ttlSeconds * 1000) / 3);
    };
    stream.on('data', (response: KeepAliveResponse__Output) => {
      if ((response.ttl_seconds ?? 0) > 0) return;
      this.options.logger.warn({ lease: this.#leaseId }, 'lease unknown to the control plane; registering again');
      this.#restart(stream, 0, () => this.#register());
    });
    // A lost stream is reopened with the same lease; only an unknown lease means registering again.
    const reopen = () => this.#restart(stream, RETRY_MS, () => this.#keepAlive(ttlSeconds));
    stream.on('error', (error: grpc.ServiceError) => {
      this.options.logger.warn({ reason: error.details }, 'lease keep-alive stream lost');
      reopen();
    });
    stream.on('end', reopen);
    renew();
  }

  #restart(
    stream: grpc.ClientDuplexStream<KeepAliveRequest, KeepAliveResponse__Output>,
    delayMs: number,
    next: () => void,
  ): void {
    if (this.#stream !== stream || this.#stopped) return;
    this.#stream = undefined;
    stream.cancel();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(next, delayMs);
  }
}
