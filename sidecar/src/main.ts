// Wires one sidecar: inbound, outbound and admin listeners, and the outbound TCP listeners the
// config declares; the ADS client whose accepted config the outbound side serves and whose
// ServiceConfig the app reads on /v1/config; the registration of the app with the control plane;
// metrics, access log and tracing; graceful stop. A TCP app (--app-protocol tcp) gets a raw TCP
// inbound listener.
import type { Logger } from 'pino';
import { formatHostPort, type HostPort } from '../../cli/host-port.js';
import type { Cluster } from './cluster/cluster.js';
import { createAdminListener } from './listeners/admin.js';
import { AppConfig } from './listeners/app-config.js';
import type { Listener } from './listeners/listener.js';
import { createProxyListener } from './listeners/proxy-listener.js';
import { TcpListenerSet } from './listeners/tcp-listener-set.js';
import { createTcpListener } from './listeners/tcp-listener.js';
import { Registration } from './registration/registration.js';
import type { RoutingConfig } from './router/router.js';
import { createAccessLog } from './telemetry/access-log.js';
import { serviceOfCluster } from './telemetry/record-request.js';
import { createSidecarMetrics } from './telemetry/sidecar-metrics.js';
import type { TraceExportConfig } from './telemetry/trace-export-config.js';
import { Tracing } from './telemetry/tracing.js';
import type { TcpTelemetry } from './upstream/tcp-connection.js';
import { AdsClient } from './xds/ads-client.js';
import { compileInboundConfig, compileProxyConfig, type AppProtocol, type ProxyConfig } from './xds/compile.js';
import { compileServiceConfig, resolveParameters } from './xds/service-config.js';
import { rejectDownstreamTls } from './xds/compile-tls.js';
import {
  INBOUND_APP_CLUSTER,
  inboundListenerName,
  OUTBOUND_LISTENER,
  ownListeners,
  serviceConfigName,
} from './xds/subscriptions.js';

const ZONE_LABEL = 'topology.kubernetes.io/zone';

// The control plane's debounce (100 ms by default) plus a push and a compile on the peers.
const DEREGISTRATION_PROPAGATION_MS = 500;
// Istio's default idle timeout of TCP connections, for the inbound side of a TCP app.
const INBOUND_TCP_IDLE_TIMEOUT_MS = 3_600_000;

// HTTP/2 and gRPC apps need h2 upstreams, which the sidecar does not speak yet.

export interface SidecarOptions {
  service: string;
  namespace: string;
  instanceId: string;
  labels: Record<string, string>;
  appPort: number;
  /** What the app speaks: registered as the instance's protocol; h2 to a grpc or http2 app; `tcp` makes the inbound listener a raw TCP forwarder. */
  appProtocol: AppProtocol;
  controlPlane: string;
  inboundListen: HostPort;
  outboundListen: HostPort;
  adminListen: HostPort;
  advertiseAddress: string;
  leaseTtlSeconds: number;
  drainMs: number;
  /** Where spans go (OTEL_EXPORTER_OTLP_ENDPOINT). */
  traceExport: TraceExportConfig;
  logger: Logger;
  /** Called on POST /quitquitquit. */
  onQuit(): void;
}

export interface Sidecar {
  inbound: string;
  outbound: string;
  admin: string;
  stop(): Promise<void>;
}

export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const { logger } = options;
  let outboundConfig: ProxyConfig | undefined;
  // Its own zone, from the well-known topology label, is where locality-aware clusters prefer to send.
  const clusterContext = { localZone: options.labels[ZONE_LABEL] };
  // Until the control plane sends this service's inbound listener, every request goes to the app.
  const localInbound = compileInboundConfig(options.appPort, options.appProtocol);
  const appCluster = [...localInbound.clusters.values()][0] as Cluster;
  const inboundClusters = new Map([[INBOUND_APP_CLUSTER, appCluster]]);
  const inboundName = inboundListenerName(options.service, options.namespace);
  let inboundConfig: RoutingConfig = localInbound;
  const nodeId = `sidecar~${options.instanceId}.${options.namespace}`;
  const configName = serviceConfigName(options.service, options.namespace);
  const appConfig = new AppConfig({ service: configName });
  const tracing = new Tracing({
    service: options.service,
    namespace: options.namespace,
    instanceId: options.instanceId,
    export: options.traceExport,
  });
  const ads = new AdsClient({
    controlPlane: options.controlPlane,
    nodeId,
    metadata: {
      NAMESPACE: options.namespace,
      SERVICE: options.service,
      INSTANCE_ID: options.instanceId,
      ROLE: 'sidecar',
    },
    listenerNames: undefined,
    serviceConfigNames: [configName],
    apply(resources) {
      for (const name of [OUTBOUND_LISTENER, inboundName]) rejectDownstreamTls(resources.listeners.get(name));
      outboundConfig = compileProxyConfig(
        { ...resources, listeners: ownListeners(resources.listeners, inboundName) },
        outboundConfig,
        clusterContext,
      );
      const inboundRoutes = outboundConfig.listeners.get(inboundName);
      inboundConfig =
        inboundRoutes === undefined
          ? localInbound
          : { listeners: new Map([['inbound', inboundRoutes]]), clusters: inboundClusters };
      tcpListeners.update(outboundConfig.tcpListeners);
      // The MeshConfig's sampling, the same on every listener: the outbound one's is the sidecar's.
      if (tracing.followSampling(outboundConfig.listeners.get(OUTBOUND_LISTENER)?.traceSampling))
        logger.info({ traceSampling: tracing.samplingRatio }, 'trace sampling changed');
    },
    applyServiceConfigs(resources) {
      const resource = resources.get(configName);
      // Checked whole before anything changes: a NACKed response leaves the app's parameters alone.
      const parameters =
        resource === undefined ? undefined : resolveParameters(compileServiceConfig(resource), options.labels);
      if (appConfig.update(parameters))
        logger.info({ service: configName, version: appConfig.version }, 'app config changed');
    },
    logger,
  });

  const tcpListeners = new TcpListenerSet({
    host: options.outboundListen.host,
    drainMs: options.drainMs,
    clusters: () => outboundConfig?.clusters ?? new Map(),
    telemetry: (config) => ({
      metrics: metrics.tcp,
      peers: { reporter: 'source', source: options.service, destinationFqdn: serviceOfCluster(config.cluster) },
    }),
    logger,
  });
  const clusters = () => [...(outboundConfig?.clusters.values() ?? []), ...localInbound.clusters.values()];
  const metrics = createSidecarMetrics({
    isXdsConnected: () => ads.isConnected,
    nackCounts: () => ads.nackCounts(),
    versions: () => ads.versions(),
    clusters,
    bindFailures: () => tcpListeners.bindFailures,
    spans: () => tracing.stats,
  });
  const local = { name: options.service, fqdn: `${options.service}.${options.namespace}.svc.cluster.local` };
  const accessLog = createAccessLog();
  const telemetry = { metrics: metrics.requests, local, accessLog, tracing };
  const outbound = createProxyListener({
    name: 'outbound',
    getConfig: () => outboundConfig,
    source: options.service,
    telemetry,
    logger,
  });
  const inbound =
    options.appProtocol === 'tcp'
      ? createInboundTcpListener(
          appCluster,
          { metrics: metrics.tcp, peers: { reporter: 'destination', source: 'unknown', destinationFqdn: local.fqdn } },
          logger,
        )
      : createProxyListener({ name: 'inbound', getConfig: () => inboundConfig, telemetry, logger });
  const admin = createAdminListener({
    isReady: () => outboundConfig !== undefined && ads.hasInitialConfig,
    configDump: () => ads.configDump(),
    clusters,
    metrics: metrics.registry,
    quit: options.onQuit,
    appConfig,
    logger,
  });
  const [inboundAddress, outboundAddress, adminAddress] = await Promise.all([
    inbound.listen(options.inboundListen.host, options.inboundListen.port),
    outbound.listen(options.outboundListen.host, options.outboundListen.port),
    admin.listen(options.adminListen.host, options.adminListen.port),
  ]);
  const addresses = {
    inbound: formatHostPort({ host: inboundAddress.address, port: inboundAddress.port }),
    outbound: formatHostPort({ host: outboundAddress.address, port: outboundAddress.port }),
    admin: formatHostPort({ host: adminAddress.address, port: adminAddress.port }),
  };
  logger.info(
    {
      ...addresses,
      node: nodeId,
      controlPlane: options.controlPlane,
      traces: options.traceExport.url,
      traceSampling: tracing.samplingRatio,
    },
    'sidecar listening',
  );

  ads.start();
  const registration = new Registration({
    controlPlane: options.controlPlane,
    instance: {
      service: options.service,
      namespace: options.namespace,
      instance_id: options.instanceId,
      address: options.advertiseAddress,
      port: inboundAddress.port,
      labels: options.labels,
      protocol: options.appProtocol,
    },
    ttlSeconds: options.leaseTtlSeconds,
    logger,
  });
  registration.start();

  return {
    ...addresses,
    async stop() {
      // Deregister first, and keep serving while the removal reaches peers' sidecars, so no peer
      // picks this instance after it stopped accepting; then drain what is in flight.
      const started = Date.now();
      await registration.stop();
      await new Promise((resolve) => setTimeout(resolve, Math.min(DEREGISTRATION_PROPAGATION_MS, options.drainMs)));
      const drainMs = Math.max(0, options.drainMs - (Date.now() - started));
      await Promise.all([inbound.close(drainMs), outbound.close(drainMs), tcpListeners.close(drainMs)]);
      accessLog.flush();
      // Every span has ended once the listeners are closed: send the last ones.
      await tracing.shutdown();
      ads.stop();
      await Promise.all([outboundConfig?.hosts.closeAll(), localInbound.hosts.closeAll()]);
      await admin.close(0);
    },
  };
}

/** The inbound listener of a TCP app: every connection's bytes to the app, as they come. */
function createInboundTcpListener(app: Cluster, telemetry: TcpTelemetry, logger: Logger): Listener {
  const route = {
    cluster: app,
    clusterName: app.name,
    idleTimeoutMs: INBOUND_TCP_IDLE_TIMEOUT_MS,
    maxConnectAttempts: 1,
  };
  return createTcpListener({ name: 'inbound', route: () => route, telemetry: () => telemetry, logger });
}
