// Keeps this sidecar's app registered: registers with a lease, renews it over a KeepAlive stream
// at a third of its TTL, registers again when the control plane no longer knows the lease (it
// restarted, or the lease expired during a partition), and deregisters on stop. It talks to the
// control-plane replica the ADS stream uses, and follows it to another one.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Instance } from '../../../proto/gen/pilotfish/v1/Instance.js';
import type { KeepAliveRequest } from '../../../proto/gen/pilotfish/v1/KeepAliveRequest.js';
import type { KeepAliveResponse__Output } from '../../../proto/gen/pilotfish/v1/KeepAliveResponse.js';
import type { RegistryClient } from '../../../proto/gen/pilotfish/v1/Registry.js';
import { pilotfish } from '../../../proto/pilotfish.js';
import type { ControlPlanes } from '../xds/control-planes.js';
import { CONTROL_PLANE_CHANNEL_OPTIONS, ReconnectBackoff } from '../xds/reconnect-backoff.js';

export interface RegistrationOptions {
  /** The replica in use is the one the ADS stream picked; registration moves with it. */
  controlPlanes: ControlPlanes;
  /** TLS and the workload's identity for the control plane. */
  credentials: grpc.ChannelCredentials;
  instance: Instance;
  ttlSeconds: number;
  logger: Logger;
  /** The control plane says the workload this instance stands for has ended (a classic-mode pod's app exited). */
  onWorkloadEnded(reason: string): void;
}

const DEREGISTER_DEADLINE_MS = 1000;

export class Registration {
  #client: RegistryClient | undefined;
  #leaseId = '';
  /** The lease TTL granted; 0 before the first registration. */
  #ttlSeconds = 0;
  #stream: grpc.ClientDuplexStream<KeepAliveRequest, KeepAliveResponse__Output> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #isWorkloadEnded = false;
  #backoff = new ReconnectBackoff();
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly options: RegistrationOptions) {}

  get leaseId(): string {
    return this.#leaseId;
  }

  /**
   * Registers in the background with the replica in use (once there is one), retrying until the
   * control plane accepts or refuses for good.
   */
  start(): void {
    this.#unsubscribe = this.options.controlPlanes.onChange((address) => this.#moveTo(address));
    const { current } = this.options.controlPlanes;
    if (current !== undefined) this.#moveTo(current);
  }

  /** A new replica: the lease held so far is kept alive there (it registers again if it does not know it). */
  #moveTo(address: string): void {
    if (this.#stopped) return;
    const previous = this.#client;
    const stream = this.#stream;
    this.#stream = undefined;
    clearTimeout(this.#timer);
    this.#client = new pilotfish.Registry(address, this.options.credentials, {
      ...CONTROL_PLANE_CHANNEL_OPTIONS,
      ...this.options.controlPlanes.channelOptionsFor(address),
    });
    stream?.cancel();
    previous?.close();
    if (this.#leaseId !== '' && this.#ttlSeconds > 0) this.#keepAlive(this.#ttlSeconds);
    else this.#register();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearTimeout(this.#timer);
    this.#stream?.cancel();
    const client = this.#client;
    if (client && this.#leaseId !== '') {
      await new Promise<void>((resolve) =>
        client.Deregister({ lease_id: this.#leaseId }, { deadline: Date.now() + DEREGISTER_DEADLINE_MS }, (error) => {
          if (error) this.options.logger.warn({ err: error.details }, 'deregistration failed; the lease will expire');
          resolve();
        }),
      );
    }
    client?.close();
  }

  #register(): void {
    const client = this.#client;
    if (this.#stopped || !client) return;
    const { instance, ttlSeconds, logger } = this.options;
    // The lease held so far (if any) lets the control plane tell this sidecar from an impostor.
    client.Register({ instance, ttl_seconds: ttlSeconds, lease_id: this.#leaseId }, (error, response) => {
      // An answer from a replica this sidecar has left is not acted on: it follows the new one.
      if (this.#stopped || client !== this.#client) return;
      if (error || !response) {
        if (error?.code === grpc.status.INVALID_ARGUMENT || error?.code === grpc.status.PERMISSION_DENIED) {
          // Retrying cannot fix a bad or forbidden registration: say what is wrong and stop trying.
          logger.error({ reason: error.details }, 'registration refused by the control plane');
          return;
        }
        const delay = this.#backoff.next();
        logger.warn({ reason: error?.details }, `registration failed; retrying in ${delay} ms`);
        this.#timer = setTimeout(() => this.#register(), delay);
        return;
      }
      this.#backoff.reset();
      this.#leaseId = response.lease_id ?? '';
      this.#ttlSeconds = Math.max(1, response.ttl_seconds ?? ttlSeconds);
      logger.info(
        { lease: this.#leaseId, ttlSeconds: response.ttl_seconds, instance: response.instance },
        'registered',
      );
      this.#keepAlive(this.#ttlSeconds);
    });
  }

  #keepAlive(ttlSeconds: number): void {
    if (!this.#client) return;
    const stream = this.#client.KeepAlive();
    this.#stream = stream;
    const { namespace, instance_id } = this.options.instance;
    const renew = () => {
      stream.write({ lease_id: this.#leaseId, namespace, instance_id });
      this.#timer = setTimeout(renew, (ttlSeconds * 1000) / 3);
    };
    stream.on('data', (response: KeepAliveResponse__Output) => {
      if ((response.ttl_seconds ?? 0) > 0) {
        this.#backoff.reset();
        if (response.workload_ended && !this.#isWorkloadEnded) {
          this.#isWorkloadEnded = true;
          this.options.onWorkloadEnded(response.workload_ended);
        }
        return;
      }
      this.options.logger.warn({ lease: this.#leaseId }, 'lease unknown to the control plane; registering again');
      this.#restart(stream, 0, () => this.#register());
    });
    // A lost stream is reopened with the same lease; only an unknown lease means registering again.
    const reopen = () => this.#restart(stream, this.#backoff.next(), () => this.#keepAlive(ttlSeconds));
    stream.on('error', (error: grpc.ServiceError) => {
      // A stream this sidecar cancelled itself (stop, or a register again) is not lost.
      if (this.#stream !== stream || this.#stopped) return;
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
