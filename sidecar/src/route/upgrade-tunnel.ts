// An upgraded connection (WebSocket) through one endpoint: sends the upgrade request on a new
// connection of its own, relays the endpoint's answer as it is (the 101 with the headers the
// upgrade needs), then pipes bytes both ways, unread, until either side closes or the stream idle
// timeout passes. The router routed it and the cluster admitted it; the tunnel releases it when
// it closes, so circuit breaking counts open tunnels.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Cluster } from '../cluster/cluster.js';
import type { ClusterEndpoint } from '../cluster/cluster-endpoint.js';
import { upgradeHeadOf } from '../upstream/upgrade-head.js';
import { recordOf, type RequestRecord } from '../http/request-record.js';
import { localReply } from '../upstream/local-reply.js';
import { ALPN_HTTP1 } from '../upstream/upstream-tls.js';

export interface TunnelOptions {
  cluster: Cluster;
  method: string;
  path: string;
  /** Flat [name, value, …] list without hop-by-hop headers; the upgrade's own are added here. */
  headers: string[];
  hashKey: string | undefined;
  /** HCM stream_idle_timeout; 0: none. */
  idleTimeoutMs: number;
}

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/;

/** Call once the cluster admitted the request. */
export function openTunnel(req: IncomingMessage, res: ServerResponse, options: TunnelOptions): void {
  const { cluster } = options;
  const endpoint = cluster.pick(options.hashKey);
  if (endpoint === undefined) {
    cluster.releaseRequest();
    // Envoy's UH: no healthy upstream.
    localReply(res, 503, `no healthy endpoint for cluster "${cluster.name}"`, 'UH');
    return;
  }
  new Tunnel(req, res, options, endpoint).open();
}

class Tunnel {
  readonly #downstream: Socket;
  readonly #upstream: Socket;
  readonly #record: RequestRecord | undefined;
  #isConnected = false;
  #isReleased = false;
  /** The endpoint's answer up to the end of its status line. */
  #answer = Buffer.alloc(0);

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly options: TunnelOptions,
    readonly endpoint: ClusterEndpoint,
  ) {
    this.#downstream = res.socket as Socket;
    this.#record = recordOf(res);
    const { host } = endpoint;
    this.#upstream = host.openSocket(ALPN_HTTP1);
  }

  open(): void {
    const { host } = this.endpoint;
    host.requests++;
    host.activeRequests++;
    const upstream = this.#upstream;
    upstream.setTimeout(host.connectTimeoutMs);
    upstream.once(host.readyEvent, () => this.#onConnect());
    upstream.on('timeout', () => this.#onTimeout());
    upstream.on('error', (error: Error & { code?: string }) => this.#onUpstreamError(error));
    upstream.on('close', () => this.#close());
    this.#downstream.on('close', () => this.#close());
    this.#downstream.on('error', () => this.#close());
  }

  #onConnect(): void {
    this.#isConnected = true;
    const { idleTimeoutMs, method, path, headers } = this.options;
    this.#upstream.setTimeout(idleTimeoutMs);
    this.#downstream.setTimeout(idleTimeoutMs);
    this.#downstream.on('timeout', () => this.#onTimeout());
    let head = `${method} ${path} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    head += `connection: upgrade\r\nupgrade: ${this.req.headers.upgrade ?? ''}\r\n\r\n`;
    this.#upstream.write(head);
    const early = upgradeHeadOf(this.req);
    if (early !== undefined && early.length > 0) this.#upstream.write(early);
    this.#upstream.on('data', this.#onAnswer);
  }

  /** Reads the endpoint's status for telemetry, then hands both sockets to pipes. */
  readonly #onAnswer = (chunk: Buffer): void => {
    this.#answer = Buffer.concat([this.#answer, chunk]);
    const lineEnd = this.#answer.indexOf('\r\n');
    if (lineEnd === -1 && this.#answer.length < 1024) return;
    const upstream = this.#upstream;
    const downstream = this.#downstream;
    upstream.off('data', this.#onAnswer);
    const status = Number(
      STATUS_LINE.exec(this.#answer.subarray(0, Math.max(lineEnd, 0)).toString('latin1'))?.[1] ?? 0,
    );
    const record = this.#record;
    if (record !== undefined) {
      record.tunnelAnswered(status);
      upstream.on('data', (data: Buffer) => record.relayed(data.length));
    }
    this.options.cluster.recordOutcome(this.endpoint, { kind: 'response', status });
    downstream.write(this.#answer);
    upstream.pipe(downstream);
    downstream.pipe(upstream);
  };

  #onTimeout(): void {
    if (!this.#isConnected) {
      this.#connectFailed('connect timeout');
      return;
    }
    this.#upstream.destroy();
    this.#downstream.destroy();
  }

  #onUpstreamError(error: Error & { code?: string }): void {
    if (!this.#isConnected) this.#connectFailed(error.code ?? error.message);
    else this.#downstream.destroy();
  }

  #connectFailed(reason: string): void {
    const { host } = this.endpoint;
    host.connectFailures++;
    this.options.cluster.recordOutcome(this.endpoint, { kind: 'connect-failure' });
    this.#upstream.destroy();
    this.#release();
    // Envoy's UF: upstream connection failure.
    localReply(
      this.res,
      503,
      `upstream connect error: ${reason} connecting to ${host.key} (cluster "${this.options.cluster.name}")`,
      'UF',
    );
  }

  #close(): void {
    this.#upstream.destroy();
    if (this.#isConnected) this.#downstream.destroy();
    this.#release();
  }

  #release(): void {
    if (this.#isReleased) return;
    this.#isReleased = true;
    this.endpoint.host.activeRequests--;
    this.options.cluster.releaseRequest();
  }
}
