// One proxied TCP connection: the cluster admits it (circuit breaking counts it as a request for
// as long as it is open), its balancer picks an endpoint, and an endpoint that refuses or does not
// answer within the cluster's connect timeout is passed over for the next, up to the listener's
// max_connect_attempts. Once connected, bytes are piped both ways as they come, unread — an
// endpoint that speaks first is heard at once — half-closes pass through, and a connection idle
// both ways for the idle timeout is closed.
import type { Socket } from 'node:net';
import type { Cluster } from '../cluster/cluster.js';
import type { ClusterEndpoint } from '../cluster/cluster-endpoint.js';
import type { ResponseFlag } from '../http/response-flag.js';
import type { TcpMetrics, TcpPeers } from '../telemetry/tcp-metrics.js';
import { ALPN_TCP } from '../upstream/upstream-tls.js';

export interface TcpRoute {
  /** The cluster the listener names; undefined when this sidecar has no such cluster (Envoy's NC). */
  cluster: Cluster | undefined;
  clusterName: string;
  /** 0: never. */
  idleTimeoutMs: number;
  maxConnectAttempts: number;
  /** Whether the listener's authorization (network RBAC) lets this connection in; undefined: all are. */
  authorize?: (downstream: Socket) => boolean;
}

export interface TcpTelemetry {
  metrics: TcpMetrics;
  peers: TcpPeers;
}

const CONNECT_FAILURE = { kind: 'connect-failure' } as const;

export class TcpConnection {
  #upstream: Socket | undefined;
  #endpoint: ClusterEndpoint | undefined;
  #attempts = 0;
  #isAdmitted = false;
  #isConnected = false;
  #isCounted = false;
  #isClosed = false;
  #flag: ResponseFlag = '-';

  /** `downstream` arrives paused: nothing is read from it until an endpoint is connected. */
  constructor(
    readonly downstream: Socket,
    readonly route: TcpRoute,
    readonly telemetry: TcpTelemetry | undefined,
  ) {}

  start(): void {
    const { cluster } = this.route;
    this.downstream.setNoDelay(true);
    this.downstream.on('error', () => this.close());
    this.downstream.on('close', () => this.close());
    if (this.route.authorize?.(this.downstream) === false) {
      this.#refuse('RBAC_ACCESS_DENIED');
      return;
    }
    if (cluster === undefined) {
      this.#refuse('NC');
      return;
    }
    if (!cluster.admitRequest()) {
      this.#refuse('UO');
      return;
    }
    this.#isAdmitted = true;
    this.#attempt(cluster);
  }

  #attempt(cluster: Cluster): void {
    const endpoint = cluster.pick(undefined, this.#endpoint);
    if (endpoint === undefined) {
      this.#refuse('UH');
      return;
    }
    this.#endpoint = endpoint;
    this.#attempts++;
    const { host } = endpoint;
    host.requests++;
    host.activeRequests++;
    const upstream = host.openSocket(ALPN_TCP);
    upstream.allowHalfOpen = true;
    this.#upstream = upstream;
    upstream.setTimeout(host.connectTimeoutMs);
    const onFailure = (): void => {
      upstream.destroy();
      host.activeRequests--;
      host.connectFailures++;
      cluster.recordOutcome(endpoint, CONNECT_FAILURE);
      if (this.#isClosed) return;
      if (this.#attempts < this.route.maxConnectAttempts) this.#attempt(cluster);
      else this.#refuse('UF');
    };
    upstream.once('timeout', onFailure);
    upstream.once('error', onFailure);
    upstream.once(host.readyEvent, () => {
      upstream.off('timeout', onFailure);
      upstream.off('error', onFailure);
      this.#onConnect(upstream);
    });
  }

  #onConnect(upstream: Socket): void {
    const { downstream } = this;
    if (this.#isClosed) {
      upstream.destroy();
      (this.#endpoint as ClusterEndpoint).host.activeRequests--;
      return;
    }
    this.#isConnected = true;
    this.#countOpened();
    const { idleTimeoutMs } = this.route;
    upstream.setTimeout(idleTimeoutMs);
    downstream.setTimeout(idleTimeoutMs);
    upstream.on('timeout', () => this.close());
    downstream.on('timeout', () => this.close());
    upstream.on('error', () => this.close());
    upstream.on('close', () => this.close());
    upstream.pipe(downstream);
    downstream.pipe(upstream);
  }

  /** No endpoint took the connection: close it, counted with the reason. */
  #refuse(flag: ResponseFlag): void {
    this.#flag = flag;
    this.close();
  }

  #countOpened(): void {
    this.#isCounted = true;
    this.telemetry?.metrics.opened(this.telemetry.peers, this.#flag);
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    const { downstream } = this;
    downstream.destroy();
    // An attempt still connecting finds the connection closed when it connects, and cleans up.
    if (this.#isConnected) {
      this.#upstream?.destroy();
      (this.#endpoint as ClusterEndpoint).host.activeRequests--;
    }
    if (this.#isAdmitted) this.route.cluster?.releaseRequest();
    // Refused, or left by the caller before an endpoint took it: opened and closed at once.
    if (!this.#isCounted) this.#countOpened();
    this.telemetry?.metrics.closed(this.telemetry.peers, this.#flag, downstream.bytesRead, downstream.bytesWritten);
  }
}
