// Wires the control plane: registry and policy config (a watched folder and the Config API) →
// (debounced) translate → snapshot cache → ADS server, the pilotfish.v1 API and the admin listener.
import * as grpc from '@grpc/grpc-js';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Registry as MetricsRegistry } from 'prom-client';
import { formatHostPort, type HostPort } from '../../shared/host-port.js';
import { createAdminServer } from './admin/admin-server.js';
import { authenticationInterceptor } from './api/authentication-interceptor.js';
import { addIdentityService } from './api/identity-service.js';
import { refuseNode } from './api/node-admission.js';
import { addConfigService } from './api/config-service.js';
import { addRegistryService } from './api/registry-service.js';
import { ServingCredentials } from './api/serving-credentials.js';
import { ConfigDirSource } from './config/config-dir.js';
import { ConfigParser } from './config/config-parser.js';
import { ConfigStore } from './config/config-store.js';
import { loadMeshIdentity, type IdentityOptions, type MeshIdentity } from './identity/mesh-identity.js';
import { adoptSharedCaState } from './identity/shared-ca-state.js';
import { servingNames } from './identity/serving-certificate.js';
import type { RegistryStore } from './registry/registry-store.js';
import { RegistrySources } from './registry/registry-sources.js';
import { serviceFqdn } from '../../shared/service-fqdn.js';
import { sidecarGroup } from './translate/sidecar-scope.js';
import type { GroupMemo } from './translate/group-memo.js';
import { translateGroup } from './translate/translate.js';
import type { ServiceView } from './registry/service-view.js';
import { AdsServer } from './xds/ads-server.js';
import { Debouncer } from './xds/debounce.js';
import { WarmUp } from './xds/warm-up.js';
import { SnapshotCache } from './xds/snapshot-cache.js';
import { createXdsMetrics } from './xds/xds-metrics.js';
import { openStore, type StoreLocation } from './store/open-store.js';
import { HISTORY_LIMIT } from './config/config-history.js';

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
  /** A cluster whose Services, EndpointSlices and Pods are a registry source beside the Registry API. */
  kubeConfig?: KubeConfig;
  /**
   * The CA and caller authentication: with it the gRPC port is TLS with a certificate from the CA
   * and every call is authenticated; without it the port is plaintext and open to anyone.
   */
  identity?: IdentityOptions;
  /** The namespace the control plane's Kubernetes Service is in, for its certificate's name. */
  serviceNamespace?: string;
  /** Where registrations and config versions live: memory (the default) or etcd shared by replicas. */
  store?: StoreLocation;
  /** How many config versions the history keeps. */
  configHistory?: number;
  logger: Logger;
}

export interface ControlPlane {
  grpcAddress: string;
  adminAddress: string;
  registry: RegistryStore;
  cache: SnapshotCache;
  ads: AdsServer;
  config: ConfigStore;
  stop(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { logger } = options;
  // Read whole before anything is served: a replica on etcd starts with every registration and version.
  const store = await openStore(options.store ?? { kind: 'memory' }, {
    registry: { defaultTtlSeconds: options.defaultTtlSeconds, maxTtlSeconds: options.maxTtlSeconds },
    historyLimit: options.configHistory ?? HISTORY_LIMIT,
    logger,
  });
  const { registry } = store;
  // Loaded only when asked for: client-node is a large module every other start would pay for.
  const kubernetes =
    options.kubeConfig &&
    new (await import('./kubernetes/kubernetes-source.js')).KubernetesSource({
      kubeConfig: options.kubeConfig,
      logger,
    });
  // Registry API instances first: a sidecar's own registration wins over the same pod seen in the cluster.
  const sources = new RegistrySources(kubernetes ? [registry, kubernetes] : [registry]);
  const cache = new SnapshotCache({
    onRejected: (error) =>
      logger.error(
        { group: error.group, problems: error.problems },
        'inconsistent snapshot not stored; last good one stays',
      ),
  });
  let registered = { revision: -1, fqdns: new Set<string>() };
  const isRegistered = (fqdn: string) => {
    if (registered.revision !== sources.revision) {
      registered = {
        revision: sources.revision,
        fqdns: new Set(sources.services().map((service) => serviceFqdn(service.name, service.namespace))),
      };
    }
    return registered.fqdns.has(fqdn);
  };
  const config = new ConfigStore({
    configDir: options.configDir,
    isRegistered,
    log: store.configLog,
    historyLimit: options.configHistory,
  });
  const parser = new ConfigParser();
  const configDir =
    options.configDir === undefined
      ? undefined
      : new ConfigDirSource(options.configDir, { store: config, isRegistered, logger, parser });
  // With a CA, sidecars have certificates: mutual TLS between them, as PeerAuthentication says.
  const translateOptions = { hasMutualTls: options.identity !== undefined };
  // Per group, what the snapshot the cache holds was translated from: the next rebuild redoes only what changed.
  const memos = new Map<string, GroupMemo>();
  const build = (group: string, services: readonly ServiceView[]) => {
    const translation = translateGroup(services, group, config.config, translateOptions, memos.get(group));
    const changed = cache.setSnapshot(group, translation.resources, translation.kept);
    if (cache.rejection(group) === undefined) memos.set(group, translation.memo);
    else memos.delete(group);
    return changed;
  };
  const rebuild = () => {
    const services = sources.services();
    for (const group of cache.groups()) {
      const changed = build(group, services);
      if (changed.length > 0)
        logger.debug({ group, changed, revision: sources.revision, configVersion: config.version }, 'snapshot updated');
    }
  };
  const debouncer = new Debouncer(rebuild, options.debounceMs, options.maxDebounceMs);
  sources.onChange(() => debouncer.trigger());
  config.onChange(() => debouncer.trigger());
  const ensureGroup = (group: string) => {
    if (!cache.hasGroup(group)) build(group, sources.services());
  };
  await configDir?.start();
  await kubernetes?.start();
  if (options.identity && store.caFiles) await adoptSharedCaState(options.identity, store.caFiles, logger);
  const identity = options.identity === undefined ? undefined : await loadMeshIdentity(options.identity);

  // grpc-js prints its own errors to stderr (a port in use: its line before ours); they go to the log.
  grpc.setLogger({ error: (...args: unknown[]) => logger.debug({ grpc: args.map(String).join(' ') }, 'grpc-js') });
  const serving = identity && (await servingCredentials(identity, options));
  const grpcServer = new grpc.Server({
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
    interceptors: [authenticationInterceptor(identity, logger)],
  });
  const credentials = serving?.serverCredentials ?? grpc.ServerCredentials.createInsecure();
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(formatHostPort(options.grpcListen), credentials, (error, port) =>
      error
        ? reject(new Error(`cannot listen on ${formatHostPort(options.grpcListen)} (gRPC)`, { cause: error }))
        : resolve(port),
    ),
  );
  const grpcAddress = formatHostPort({ host: options.grpcListen.host, port: grpcPort });
  const metrics = new MetricsRegistry();
  // State in memory is empty after a restart: instances re-register within one lease TTL.
  const warmUp = store.isEmptyAtStart ? new WarmUp({ periodMs: options.defaultTtlSeconds * 1000, logger }) : undefined;
  const ads = new AdsServer({
    cache,
    ensureGroup,
    groupOf: (namespace, service) => sidecarGroup(config.config, namespace, service),
    controlPlane: grpcAddress,
    logger,
    metrics: createXdsMetrics(metrics),
    warmUp,
    refuseNode,
  });
  // A Sidecar that came, went or changed moves the sidecars it selects to their new group.
  config.onChange(() => ads.regroup());
  ads.addTo(grpcServer);
  addRegistryService(grpcServer, registry, kubernetes || undefined);
  // API changes reach the store's listeners, so they are pushed like a folder change.
  addConfigService(grpcServer, config, parser, { isRegistered });
  if (identity) addIdentityService(grpcServer, identity.issuer, identity, logger);

  let ready = false;
  const admin = createAdminServer({
    registry: sources,
    proxies: ads.proxies,
    cache,
    config,
    metrics,
    isReady: () => ready,
  });
  const adminAddress = await listen(admin, options.adminListen);
  ready = true;
  if (!identity)
    logger.warn(
      { grpc: grpcAddress },
      'the gRPC port is PLAINTEXT and UNAUTHENTICATED: anyone who reaches it can register instances and change the config; give --state-dir for TLS and authentication',
    );
  logger.info(
    {
      grpc: grpcAddress,
      tls: identity !== undefined,
      admin: adminAddress,
      configDir: options.configDir,
      store: store.name,
      ca: identity?.ca.certificate.subject,
      trustDomain: options.identity?.trustDomain,
    },
    'control plane listening',
  );

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
      await parser.close();
      await kubernetes?.stop();
      debouncer.cancel();
      ads.closeAll();
      warmUp?.close();
      serving?.stop();
      await store.close();
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

function servingCredentials(identity: MeshIdentity, options: ControlPlaneOptions): Promise<ServingCredentials> {
  const names = servingNames(options.grpcListen.host, options.serviceNamespace ?? 'pilotfish-system');
  return ServingCredentials.start(identity.ca, names, options.logger);
}

function listen(server: HttpServer, { host, port }: HostPort): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`cannot listen on ${formatHostPort({ host, port })} (admin)`, { cause: error })),
    );
    server.listen(port, host, () => resolve(formatHostPort({ host, port: (server.address() as AddressInfo).port })));
  });
}
