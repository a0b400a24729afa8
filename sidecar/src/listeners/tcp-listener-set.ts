// The outbound TCP listeners of the config version in force, bound on the sidecar's outbound host
// at each Listener's port: a new Listener is bound, a removed one (or one moved to another port)
// stops accepting and drains, a changed one serves its next connections with the new config. A
// port that cannot be bound is logged and counted (pilotfish_sidecar_listener_bind_failures_total);
// the other listeners are unaffected, and the bind is tried again when an LDS response brings the
// Listener again.
import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { TcpRoute, TcpTelemetry } from '../tcp-proxy/tcp-connection.js';
import type { TcpProxyListener } from '../xds/compile-tcp-proxy.js';
import type { Listener } from './listener.js';
import { createTcpListener } from './tcp-listener.js';

export interface TcpListenerSetOptions {
  host: string;
  drainMs: number;
  /** The clusters in force, read per connection. */
  clusters(): ReadonlyMap<string, Cluster>;
  /** Where a listener's connections are counted; asked again when its config changes. */
  telemetry(config: TcpProxyListener): TcpTelemetry | undefined;
  logger: Logger;
}

interface Entry {
  config: TcpProxyListener;
  telemetry: TcpTelemetry | undefined;
  listener: Listener;
  isBound: boolean;
}

export class TcpListenerSet {
  /** Failed binds per listener name, since start. */
  readonly bindFailures = new Map<string, number>();
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly options: TcpListenerSetOptions) {}

  update(configs: ReadonlyMap<string, TcpProxyListener>): void {
    for (const [name, entry] of this.#entries) {
      const config = configs.get(name);
      if (config !== undefined && config.port === entry.config.port && (entry.isBound || config === entry.config))
        continue;
      this.#entries.delete(name);
      if (entry.isBound) void this.#close(name, entry.listener);
    }
    for (const [name, config] of configs) {
      const entry = this.#entries.get(name);
      if (entry === undefined) this.#bind(name, config);
      else if (entry.config !== config) {
        entry.config = config;
        entry.telemetry = this.options.telemetry(config);
      }
    }
  }

  async close(drainMs: number): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((entry) => entry.listener.close(drainMs)));
  }

  #bind(name: string, config: TcpProxyListener): void {
    const { host, logger } = this.options;
    const entry: Entry = {
      config,
      telemetry: this.options.telemetry(config),
      isBound: false,
      listener: createTcpListener({ name, route: () => this.#route(entry), telemetry: () => entry.telemetry, logger }),
    };
    this.#entries.set(name, entry);
    entry.listener.listen(host, config.port).then(
      (address) => {
        if (this.#entries.get(name) !== entry) {
          void entry.listener.close(0);
          return;
        }
        entry.isBound = true;
        logger.info(
          { listener: name, address: `${address.address}:${address.port}`, cluster: config.cluster },
          'tcp listener bound',
        );
      },
      (error: Error) => {
        this.bindFailures.set(name, (this.bindFailures.get(name) ?? 0) + 1);
        logger.error(
          { err: error, listener: name, host, port: config.port },
          'tcp listener cannot bind its port; the other listeners are unaffected',
        );
      },
    );
  }

  #route(entry: Entry): TcpRoute | undefined {
    if (this.#entries.get(entry.config.name) !== entry) return undefined;
    const { config } = entry;
    return {
      cluster: this.options.clusters().get(config.cluster),
      clusterName: config.cluster,
      idleTimeoutMs: config.idleTimeoutMs,
      maxConnectAttempts: config.maxConnectAttempts,
    };
  }

  async #close(name: string, listener: Listener): Promise<void> {
    await listener.close(this.options.drainMs);
    this.options.logger.info({ listener: name }, 'tcp listener closed');
  }
}
