// Active health checking for one cluster (health_checks[0]): a probe of every endpoint every
// `interval` (counted from the end of the last probe), each given `timeout`, whether or not
// traffic flows — an HTTP GET of `path` (http_health_check), or a gRPC Health/Check call
// (grpc_health_check, which passes on SERVING only). Envoy's rules:
// - A status in expected_statuses (default: 200 only) passes. A status in retriable_statuses,
//   a timeout or a connection error is a failure that counts towards unhealthy_threshold; any
//   other status marks the endpoint unhealthy at once.
// - A failed endpoint needs healthy_threshold passes in a row to return, except one that has not
//   been probed yet (pending), which one pass makes healthy.
// - An endpoint that arrives in a health-checked cluster starts failed and pending: it gets no
//   traffic until its first probe passes. Endpoints that were already serving when health
//   checking was turned on stay in service, pending, until their probes say otherwise (Envoy
//   keeps the old cluster serving while the new one warms up).
// The checker is handed from each compiled version of the cluster to the next: endpoints that stay
// keep their probe schedule and counts. Timers (injected; real ones unref'd) are the checker's own;
// close() stops probes and timers.
import { request, type IncomingMessage } from 'node:http';
import type { UpstreamHost } from '../upstream/upstream-host.js';
import { ALPN_HTTP1 } from '../upstream/upstream-tls.js';
import type { ClusterEndpoint } from './cluster-endpoint.js';
import type { EndpointHealth } from './endpoint-health.js';
import { probeGrpcHealth } from './grpc-health-probe.js';

/** Half-open [start, end) status ranges, as Int64Range. */
export type StatusRange = readonly [start: number, end: number];

export interface HealthCheckConfig {
  /** HTTP probes: the path to GET. */
  path: string;
  /** gRPC probes instead (grpc_health_check): the service name to ask about ("" for the whole server). */
  grpc: { serviceName: string } | undefined;
  /** The Host header: http_health_check.host, or else the cluster name. */
  authority: string;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  expectedStatuses: readonly StatusRange[];
  retriableStatuses: readonly StatusRange[];
}

/** What a checker schedules its probes and probe timeouts with: real timers, or a test's clock. */
export interface ProbeTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'd: probes never keep a stopping process alive. */
const NODE_TIMERS: ProbeTimers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export const DEFAULT_EXPECTED_STATUSES: readonly StatusRange[] = [[200, 201]];

export interface HealthCheckStats {
  /** Probes sent (health_check.attempt). */
  attempts: number;
  successes: number;
  /** Probes that did not pass (health_check.failure). */
  failures: number;
}

/** What a probe learned. */
type ProbeResult = 'pass' | 'fail' | 'fail-at-once';

/** One endpoint's probe loop. */
class HostProbe {
  timer: unknown;
  /** Cancels the probe in flight. */
  cancel: (() => void) | undefined;
  isStopped = false;

  constructor(
    readonly checker: HealthChecker,
    readonly host: UpstreamHost,
    readonly health: EndpointHealth,
  ) {}

  schedule(delayMs: number): void {
    if (this.isStopped) return;
    this.timer = this.checker.timers.setTimeout(() => this.send(), delayMs);
  }

  send(): void {
    this.timer = undefined;
    const { config, timers } = this.checker;
    this.checker.stats.attempts++;
    let isSettled = false;
    const settle = (result: ProbeResult): void => {
      if (isSettled) return;
      isSettled = true;
      timers.clearTimeout(timeout);
      this.cancel?.();
      this.cancel = undefined;
      if (this.isStopped) return;
      this.checker.onResult(this, result);
      this.schedule(this.checker.config.intervalMs);
    };
    const timeout = timers.setTimeout(() => settle('fail'), config.timeoutMs);
    this.cancel =
      config.grpc === undefined
        ? this.#sendHttp(config, settle)
        : probeGrpcHealth(
            {
              address: this.host.address,
              port: this.host.port,
              openSocket: (alpn) => this.host.openSocket(alpn),
              authority: config.authority,
              serviceName: config.grpc.serviceName,
            },
            (isServing) => settle(isServing ? 'pass' : 'fail'),
          );
  }

  #sendHttp(config: HealthCheckConfig, settle: (result: ProbeResult) => void): () => void {
    const req = request({
      host: this.host.address,
      port: this.host.port,
      method: 'GET',
      path: config.path,
      headers: { host: config.authority, 'user-agent': 'pilotfish-health-check', connection: 'close' },
      agent: false,
      createConnection: () => this.host.openSocket(ALPN_HTTP1),
    });
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      settle(verdict(res.statusCode ?? 0, config));
    });
    req.on('error', () => settle('fail'));
    req.end();
    return () => req.destroy();
  }

  stop(): void {
    this.isStopped = true;
    this.checker.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.cancel?.();
    this.cancel = undefined;
  }
}

function verdict(status: number, config: HealthCheckConfig): ProbeResult {
  if (isIn(status, config.expectedStatuses)) return 'pass';
  return isIn(status, config.retriableStatuses) ? 'fail' : 'fail-at-once';
}

function isIn(status: number, ranges: readonly StatusRange[]): boolean {
  for (const [start, end] of ranges) if (status >= start && status < end) return true;
  return false;
}

export class HealthChecker {
  readonly stats: HealthCheckStats = { attempts: 0, successes: 0, failures: 0 };
  readonly #probes = new Map<string, HostProbe>();
  #onChange: (health: EndpointHealth, isPass: boolean, isAvailabilityChanged: boolean) => void = () => undefined;

  constructor(
    public config: HealthCheckConfig,
    readonly timers: ProbeTimers = NODE_TIMERS,
  ) {}

  /**
   * Probes `endpoints` from now on (each must have its `health`), stopping probes of endpoints no
   * longer there. `isWarm`: endpoints new to this checker were serving already (health checking
   * just turned on), so they stay in service until probed.
   */
  attach(
    endpoints: readonly ClusterEndpoint[],
    onChange: (health: EndpointHealth, isPass: boolean, isAvailabilityChanged: boolean) => void,
    config = this.config,
    isWarm = false,
  ): void {
    this.config = config;
    this.#onChange = onChange;
    const keys = new Set<string>();
    for (const endpoint of endpoints) {
      const health = endpoint.health;
      if (health === undefined) continue;
      keys.add(health.key);
      const probe = this.#probes.get(health.key);
      if (probe?.health === health) continue;
      probe?.stop();
      health.isPendingActiveHc = true;
      health.isFailedActiveHc = !isWarm;
      health.healthCheckSuccesses = 0;
      health.healthCheckFailures = 0;
      const next = new HostProbe(this, endpoint.host, health);
      this.#probes.set(health.key, next);
      next.schedule(0);
    }
    for (const [key, probe] of this.#probes) {
      if (keys.has(key)) continue;
      probe.stop();
      this.#probes.delete(key);
    }
  }

  onResult(probe: HostProbe, result: ProbeResult): void {
    const { health } = probe;
    const wasAvailable = !health.isFailedActiveHc;
    const wasPending = health.isPendingActiveHc;
    health.isPendingActiveHc = false;
    if (result === 'pass') {
      this.stats.successes++;
      health.healthCheckFailures = 0;
      health.healthCheckSuccesses++;
      if (health.isFailedActiveHc && (wasPending || health.healthCheckSuccesses >= this.config.healthyThreshold))
        health.isFailedActiveHc = false;
    } else {
      this.stats.failures++;
      health.healthCheckSuccesses = 0;
      health.healthCheckFailures++;
      if (result === 'fail-at-once' || health.healthCheckFailures >= this.config.unhealthyThreshold)
        health.isFailedActiveHc = true;
    }
    this.#onChange(health, result === 'pass', wasAvailable === health.isFailedActiveHc);
  }

  close(): void {
    for (const probe of this.#probes.values()) probe.stop();
    this.#probes.clear();
  }
}
