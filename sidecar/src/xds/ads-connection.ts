// The transport under the xDS client: one ADS stream at a time, to one control-plane replica. A
// lost stream moves to the next replica after a capped, jittered backoff; a stream older than its
// maximum age moves to a replica picked afresh (proxies rebalance after a replica returns). What
// goes over the stream is the client's business: it is told when a stream opens and what arrives.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  createAdsClient,
  type AdsClient as AdsStub,
  type DiscoveryRequestOut,
  type DiscoveryResponseIn,
} from '../../../proto/xds.js';
import type { ControlPlanes, PickMode } from './control-planes.js';
import { CONTROL_PLANE_CHANNEL_OPTIONS, ReconnectBackoff } from './reconnect-backoff.js';

export interface AdsConnectionOptions {
  /** The replicas to choose from; registration follows the same choice. */
  controlPlanes: ControlPlanes;
  /** A stream is moved to a replica picked afresh after this long (plus up to 10% jitter). */
  maxStreamAgeMs: number;
  /** TLS and the proxy's identity for the control plane; plaintext when undefined. */
  credentials?: grpc.ChannelCredentials;
  /** A stream was opened: send its first requests. */
  onOpen(): void;
  onResponse(response: DiscoveryResponseIn): void;
  logger: Logger;
}

type AdsStream = grpc.ClientDuplexStream<DiscoveryRequestOut, DiscoveryResponseIn>;

const AGE_JITTER = 0.1;

export class AdsConnection {
  #client: AdsStub | undefined;
  /** The replica #client talks to. */
  #address: string | undefined;
  #stream: AdsStream | undefined;
  #stopped = false;
  #backoff = new ReconnectBackoff();
  #retryTimer: NodeJS.Timeout | undefined;
  #ageTimer: NodeJS.Timeout | undefined;
  #connected = false;

  constructor(private readonly options: AdsConnectionOptions) {}

  /** The replica in use (or last tried). */
  get address(): string | undefined {
    return this.#address;
  }

  /** A response has come on the current stream. */
  get isConnected(): boolean {
    return this.#connected;
  }

  start(): void {
    void this.#connect('random');
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#ageTimer);
    this.#stream?.cancel();
    this.#client?.close();
  }

  write(request: DiscoveryRequestOut): void {
    this.#stream?.write(request);
  }

  /** Opens a stream to the replica `mode` picks. */
  async #connect(mode: PickMode): Promise<void> {
    let address: string;
    try {
      address = await this.options.controlPlanes.pick(mode);
    } catch (error) {
      this.#retry(`no control plane address: ${(error as Error).message}`);
      return;
    }
    this.#use(address);
  }

  /** Opens a stream to `address`, on a new channel when it is another replica than the last one. */
  #use(address: string): void {
    if (this.#stopped) return;
    if (address !== this.#address) {
      this.#client?.close();
      this.#client = createAdsClient(
        address,
        {
          'grpc.keepalive_time_ms': 30_000,
          'grpc.keepalive_timeout_ms': 10_000,
          ...CONTROL_PLANE_CHANNEL_OPTIONS,
          ...this.options.controlPlanes.channelOptionsFor(address),
        },
        this.options.credentials,
      );
      this.#address = address;
    }
    this.#open(this.#client as AdsStub);
  }

  #open(client: AdsStub): void {
    const stream = client.StreamAggregatedResources();
    this.#stream = stream;
    this.options.onOpen();
    stream.on('data', (response: DiscoveryResponseIn) => {
      if (this.#stream !== stream) return;
      if (!this.#connected) this.#onConnected();
      this.options.onResponse(response);
    });
    stream.on('error', (error: grpc.ServiceError) =>
      this.#onStreamEnd(stream, `${grpc.status[error.code] ?? error.code}: ${error.details}`),
    );
    stream.on('end', () => this.#onStreamEnd(stream, 'stream ended by the control plane'));
  }

  #onConnected(): void {
    this.options.logger.info({ controlPlane: this.#address }, 'xDS stream connected');
    this.#connected = true;
    this.#backoff.reset();
    this.#armAge();
  }

  #armAge(): void {
    const ageMs = this.options.maxStreamAgeMs * (1 + AGE_JITTER * Math.random());
    this.#ageTimer = setTimeout(() => void this.#age(), ageMs);
    this.#ageTimer.unref?.();
  }

  /** The stream reached its maximum age: moves to a replica picked afresh, or stays if it is this one. */
  async #age(): Promise<void> {
    const stream = this.#stream;
    const from = this.#address;
    let address: string;
    try {
      address = await this.options.controlPlanes.pick('random');
    } catch (error) {
      this.options.logger.warn({ reason: (error as Error).message }, 'xDS stream aged; staying on its control plane');
      address = from as string;
    }
    if (this.#stopped || this.#stream !== stream || stream === undefined) return;
    if (address === from) {
      this.#armAge();
      return;
    }
    this.options.logger.info({ from, to: address }, 'xDS stream aged; moving to another control plane');
    this.#drop(stream);
    this.#use(address);
  }

  #onStreamEnd(stream: AdsStream, reason: string): void {
    if (this.#stream !== stream || this.#stopped) return;
    this.#drop(stream);
    this.#retry(reason);
  }

  #drop(stream: AdsStream): void {
    this.#stream = undefined;
    this.#connected = false;
    clearTimeout(this.#ageTimer);
    stream.cancel();
  }

  /** The next attempt goes to the next replica, after a jittered delay capped at a few seconds. */
  #retry(reason: string): void {
    const delay = this.#backoff.next();
    this.options.logger.warn(
      { reason, controlPlane: this.#address, retryInMs: delay },
      'xDS stream lost; keeping last good config',
    );
    this.#retryTimer = setTimeout(() => void this.#connect('next'), delay);
  }
}
