// Wires the control plane: registry and policy config (a watched folder and the Config API) →
// (debounced) translate → snapshot cache → ADS server, the pilotfish.v1 API and the admin listener.
import * as grpc from '@grpc/grpc-js';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Registry as MetricsRegistry } from 'prom-client';
import { formatHostPort, type HostPort } from '../../cli/host-port.js';
import { createAdminServer } from './admin/admin-server.js';
import { addConfigService } from './api/config-service.js';
import { addRegistryService } from './api/registry-service.js';
import { ConfigDirSource } from './config/config-dir.js';
import { ConfigStore } from './config/config-store.js';
import { Registry } from './registry/registry.js';
import { serviceFqdn } from './translate/names.js';
import { translate } from './translate/translate.js';
import { AdsServer } from './xds/ads-server.js';
import { Debouncer } from './xds/debounce.js';
import { SnapshotCache } from './xds/snapshot-cache.js';
import { createXdsMetrics } from './xds/xds-metrics.js';

const SHUTDOWN_GRACE_MS = 1000;
// Above any legitimate request (a Config API apply of a few 1 MiB documents, an ADS request naming
// thousands of clusters); a larger one is refused RESOURCE_EXHAUSTED before it is parsed.
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface ControlPlaneOptions {
  grpcListen: HostPort;
  adminListen: HostPort;
  /** A burst of registry changes within this quiet period becomes one push. */
  debounceMs: number;
  /** The longest a change waits under a steady stream of changes. */
  maxDebounceMs: number;
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
  /** A folder of YAML policy documents, watched; without it the config is empty. */
  configDir?: string;
  logger: Logger;
}

export interface ControlPlane {
  grpcAddress: string;
  adminAddress: string;
  registry: Registry;
  cache: SnapshotCache;
  ads: AdsServer;
  config: ConfigStore;
  stop(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { logger } = options;
  const registry = new Registry({ defaultTtlSeconds: options.defaultTtlSeconds, maxTtlSeconds: options.maxTtlSeconds });
  const cache = new SnapshotCache();
  const config = new ConfigStore({ configDir: options.configDir });
  let registered = { revision: -1, fqdns: new Set<string>() };
  const isRegistered = (fqdn: string) => {
    if (registered.revision !== registry.revision) {
      registered = {
        revision: registry.revision,
        fqdns: new Set(registry.services().map((service) => serviceFqdn(service.name, service.namespace))),
      };
    }
    return registered.fqdns.has(fqdn);
  };
  const configDir =
    options.configDir === undefined
      ? undefined
      : new ConfigDirSource(options.configDir, { store: config, isRegistered, logger });
  const rebuild = () => {
    // A config rejected for naming a service that was not registered yet may be good now.
    configDir?.retryIfRejected();
    const services = registry.services();
    for (const group of cache.groups()) {
      const changed = cache.setSnapshot(group, translate(services, group, config.config));
      if (changed.length > 0)
        logger.debug(
          { group, changed, revision: registry.revision, configVersion: config.version },
          'snapshot updated',
        );
    }
  };
  const debouncer = new Debouncer(rebuild, options.debounceMs, options.maxDebounceMs);
  registry.onChange(() => debouncer.trigger());
  config.onChange(() => debouncer.trigger());
  const ensureGroup = (group: string) => {
    if (!cache.hasGroup(group)) cache.setSnapshot(group, translate(registry.services(), group, config.config));
  };
  await configDir?.start();

  const grpcServer = new grpc.Server({
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(formatHostPort(options.grpcListen), grpc.ServerCredentials.createInsecure(), (error, port) =>
      error
        ? reject(new Error(`cannot listen on ${formatHostPort(options.grpcListen)} (gRPC)`, { cause: error }))
        : resolve(port),
    ),
  );
  const grpcAddress = formatHostPort({ host: options.grpcListen.host, port: grpcPort });
  const metrics = new MetricsRegistry();
  const ads = new AdsServer({
    cache,
    ensureGroup,
    controlPlane: grpcAddress,
    logger,
    metrics: createXdsMetrics(metrics),
  });
  ads.addTo(grpcServer);
  addRegistryService(grpcServer, registry);
  // API changes reach the store's listeners, so they are pushed like a folder change.
  addConfigService(grpcServer, config, { isRegistered });

  let ready = false;
  const admin = createAdminServer({ registry, proxies: ads.proxies, cache, config, metrics, isReady: () => ready });
  const adminAddress = await listen(admin, options.adminListen);
  ready = true;
  logger.info({ grpc: grpcAddress, admin: adminAddress, configDir: options.configDir }, 'control plane listening');

  return {
    grpcAddress,
    adminAddress,
    registry,
    cache,
    ads,
    config,
    async stop() {
      ready = false;
      await configDir?.close();
      debouncer.cancel();
      ads.closeAll();
      registry.close();
      // Long-lived streams (ADS, keep-alives) never finish by themselves; unary calls get a moment.
      await new Promise<void>((resolve) => {
        const forced = setTimeout(() => {
          grpcServer.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
        grpcServer.tryShutdown(() => {
          clearTimeout(forced);
          resolve();
        });
      });
      admin.closeAllConnections();
      await new Promise<void>((resolve) => admin.close(() => resolve()));
    },
  };
}

function listen(server: HttpServer, { host, port }: HostPort): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`cannot listen on ${formatHostPort({ host, port })} (admin)`, { cause: error })),
    );
    server.listen(port, host, () => resolve(formatHostPort({ host, port: (server.address() as AddressInfo).port })));
  });
}
