// Wires one sidecar: inbound, outbound and admin listeners, and the outbound TCP listeners the
// config declares; the ADS client whose accepted config the outbound side serves and whose
// ServiceConfig the app reads on /v1/config; the registration of the app with the control plane;
// metrics, access log and tracing; graceful stop. A TCP app (--app-protocol tcp) gets a raw TCP
// inbound listener. In intercept mode the inbound and outbound ports take the connections iptables
// redirects (intercept/), and the instance registers its app port, where peers' connections go.
// With a workload certificate (--token-file), peers are called and answered in mutual TLS as the
// config says (identity/workload-tls.ts, listeners/inbound-tls.ts, upstream/upstream-tls.ts).
import { formatHostPort } from '../../shared/host-port.js';
import { CertificateCache } from './identity/certificate-cache.js';
import { identityCredentials, workloadIdentity } from './identity/workload-identity.js';
import { createAdminListener } from './listeners/admin.js';
import { createStatusListener } from './listeners/status-listener.js';
import type { AppProbe } from './listeners/app-probe-schema.js';
import { AppConfig } from './listeners/app-config.js';
import { createProxyListener } from './listeners/proxy-listener.js';
import { TcpListenerSet } from './listeners/tcp-listener-set.js';
import { createTcpListener } from './listeners/tcp-listener.js';
import { inboundTcpTelemetry } from './listeners/inbound-tcp-peers.js';
import type { InboundTcpSecurity } from './listeners/inbound-tcp-tls.js';
import { Registration } from './registration/registration.js';
import { createAccessLog } from './telemetry/access-log.js';
import { addCertificateExpiry } from './telemetry/certificate-metrics.js';
import { serviceOfCluster } from './telemetry/record-request.js';
import { createSidecarMetrics } from './telemetry/sidecar-metrics.js';
import { Tracing } from './telemetry/tracing.js';
import type { TcpTelemetry } from './tcp-proxy/tcp-connection.js';
import { AppPorts } from './intercept/app-ports.js';
import { createInboundIntercept } from './intercept/inbound-intercept.js';
import { destinationOf } from './intercept/intercepted-socket.js';
import { createOutboundIntercept, interceptedOutboundConfig } from './intercept/outbound-intercept.js';
import { AdsClient } from './xds/ads-client.js';
import { cachedConfigSummary, ConfigCache, fallBackToCache } from './xds/config-cache.js';
import { ControlPlanes } from './xds/control-planes.js';
import { compileServiceConfig, resolveParameters } from './xds/service-config.js';
import { mutualTlsOfPort } from './xds/compile-inbound-tls.js';
import { rejectDownstreamTls } from './xds/compile-tls.js';
import { serviceFqdn } from '../../shared/service-fqdn.js';
import { OUTBOUND_LISTENER, servesListener } from '../../shared/sidecar-listener-names.js';
import { ownInboundListener, serviceConfigName } from './xds/subscriptions.js';
import { SidecarRouting } from './sidecar-routing.js';
import type { Sidecar, SidecarOptions } from './sidecar-options.js';

const ZONE_LABEL = 'topology.kubernetes.io/zone';

// The control plane's debounce (100 ms by default) plus a push and a compile on the peers.
const DEREGISTRATION_PROPAGATION_MS = 500;

export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const { logger, intercept } = options;
  const inboundName = ownInboundListener(options.service, options.namespace);
  const nodeId = `sidecar~${options.instanceId}.${options.namespace}`;
  const configName = serviceConfigName(options.service, options.namespace);
  const appConfig = new AppConfig({ service: configName });
  const tracing = new Tracing({
    service: options.service,
    namespace: options.namespace,
    instanceId: options.instanceId,
    export: options.traceExport,
  });
  const controlPlanes = new ControlPlanes({ entries: options.controlPlanes, logger });
  const { caFile, tokenFile, rootsChangeSpreadMs } = options;
  const identity = workloadIdentity(controlPlanes, { caFile, tokenFile, rootsChangeSpreadMs }, logger);
  const certificate = identity?.certificate;
  // With a token, the registry and ADS calls show the workload's certificate (they wait for the first),
  // and so do peers' sidecars: mutual TLS on the inbound listener and to every endpoint with a sidecar.
  const credentials = identityCredentials({ caFile: options.caFile }, identity);
  const workloadTls = identity?.tls;
  const routing = new SidecarRouting(options.appPort, options.appProtocol, inboundName, {
    // Its own zone, from the well-known topology label, is where locality-aware clusters prefer to send.
    clusters: { localZone: options.labels[ZONE_LABEL] },
    upstreamTls: identity?.upstream,
  });
  const { localInbound } = routing;
  const owner = `${options.namespace}/${options.service}`;
  const configCache = options.configCache && new ConfigCache({ dir: options.configCache.dir, owner, logger });
  const cached = await configCache?.load();
  const ads = new AdsClient({
    controlPlanes,
    credentials,
    maxStreamAgeMs: options.controlPlaneMaxAgeMs,
    nodeId,
    metadata: {
      NAMESPACE: options.namespace,
      SERVICE: options.service,
      INSTANCE_ID: options.instanceId,
      ROLE: 'sidecar',
    },
    listenerNames: undefined,
    holdsListener: servesListener(inboundName),
    serviceConfigNames: [configName],
    apply(resources) {
      rejectDownstreamTls(resources.listeners.get(OUTBOUND_LISTENER));
      rejectDownstreamTls(resources.listeners.get(inboundName), { hasCertificate: workloadTls !== undefined });
      const outboundConfig = routing.apply(resources);
      // Intercepted, TCP services are reached at their own addresses: nothing to bind.
      if (intercept === undefined) tcpListeners.update(routing.outboundTcpListeners());
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
    cached,
    persist: configCache && ((types) => configCache.save({ owner, savedAt: new Date().toISOString(), types })),
    logger,
  });

  const outboundTcpTelemetry = (config: { cluster: string }): TcpTelemetry => ({
    metrics: metrics.tcp,
    peers: { reporter: 'source', source: options.service, destinationFqdn: serviceOfCluster(config.cluster) },
  });
  const tcpListeners = new TcpListenerSet({
    host: options.outboundListen.host,
    drainMs: options.drainMs,
    clusters: () => routing.outbound?.clusters ?? new Map(),
    telemetry: outboundTcpTelemetry,
    logger,
  });
  const clusters = () => [...(routing.outbound?.clusters.values() ?? []), ...localInbound.clusters.values()];
  const accessLog = createAccessLog();
  const metrics = createSidecarMetrics({
    isXdsConnected: () => ads.isConnected,
    nackCounts: () => ads.nackCounts(),
    versions: () => ads.versions(),
    configSource: () => ads.configSource,
    clusters,
    bindFailures: () => tcpListeners.bindFailures,
    spans: () => tracing.stats,
    accessLogDropped: () => accessLog.dropped,
  });
  // The workload certificate the inbound listener (and every mutual TLS call) presents now.
  addCertificateExpiry(metrics.registry, options.service, () =>
    certificate?.current === undefined ? [] : [{ listener: 'inbound', chain: certificate.current.certificateChain }],
  );
  const local = { name: options.service, fqdn: serviceFqdn(options.service, options.namespace) };
  const telemetry = {
    metrics: options.requestMetrics === false ? undefined : metrics.requests,
    local,
    accessLog,
    tracing,
  };
  const outboundHttp = createProxyListener({
    name: 'outbound',
    getConfig: (req) =>
      intercept === undefined ? routing.outbound : interceptedOutboundConfig(routing.outbound, req.socket),
    getLimits: () => routing.outboundLimits,
    source: options.service,
    telemetry,
    logger,
  });
  const inboundTcpTelemetryOf = inboundTcpTelemetry(metrics.tcp, local.fqdn);
  const inboundTcpTls = {
    workload: workloadTls,
    security: (port: number | undefined): InboundTcpSecurity =>
      routing.hasInboundListener ? (mutualTlsOfPort(routing.inboundMutualTls, port) ?? 'plaintext') : undefined,
  };
  const appPorts = new AppPorts(options.appPort, localInbound);
  const inboundHttp = createProxyListener({
    name: 'inbound',
    getConfig: (req) =>
      appPorts.routingConfig(destinationOf(req.socket)?.port, routing.inbound, routing.inboundAuthorization),
    getLimits: () => routing.inboundLimits,
    mutualTls: workloadTls && {
      workload: workloadTls,
      mode: (port) => mutualTlsOfPort(routing.inboundMutualTls, port),
    },
    telemetry,
    logger,
  });
  const outbound =
    intercept === undefined
      ? outboundHttp
      : createOutboundIntercept({
          readDestination: intercept.readDestination,
          getConfig: () => routing.outbound,
          http: outboundHttp,
          tcpTelemetry: outboundTcpTelemetry,
          logger,
        });
  const inbound =
    intercept !== undefined
      ? createInboundIntercept({
          readDestination: intercept.readDestination,
          appPort: options.appPort,
          ports: new Map([
            [options.appPort, options.appProtocol === 'tcp' ? 'tcp' : 'http'],
            ...intercept.inboundPorts,
          ]),
          http: inboundHttp,
          // A TCP service's network RBAC holds on every port of its app.
          tcpRoute: (port) => ({ ...appPorts.tcpRoute(port), authorize: routing.inboundTcp.authorize }),
          tcpTelemetry: inboundTcpTelemetryOf,
          tcpTls: inboundTcpTls,
          logger,
        })
      : options.appProtocol === 'tcp'
        ? createTcpListener({
            name: 'inbound',
            route: () => routing.inboundTcp,
            telemetry: inboundTcpTelemetryOf,
            inboundTls: inboundTcpTls,
            logger,
          })
        : inboundHttp;
  const isReady = () => routing.outbound !== undefined && ads.hasInitialConfig;
  const admin = createAdminListener({
    isReady,
    readyDetail: () => (cached && ads.configSource === 'cache' ? cachedConfigSummary(cached) : undefined),
    configDump: () => ads.configDump(),
    clusters,
    metrics: metrics.registry,
    quit: options.onQuit,
    appConfig,
    logger,
  });
  const status =
    options.statusListen &&
    createStatusListener({ isReady, appProbes: options.appProbes ?? new Map<string, AppProbe>(), logger });
  const [inboundAddress, outboundAddress, adminAddress, statusAddress] = await Promise.all([
    inbound.listen(options.inboundListen.host, options.inboundListen.port),
    outbound.listen(options.outboundListen.host, options.outboundListen.port),
    admin.listen(options.adminListen.host, options.adminListen.port),
    status?.listen(options.statusListen?.host ?? '', options.statusListen?.port ?? 0),
  ]);
  const addresses = {
    inbound: formatHostPort({ host: inboundAddress.address, port: inboundAddress.port }),
    outbound: formatHostPort({ host: outboundAddress.address, port: outboundAddress.port }),
    admin: formatHostPort({ host: adminAddress.address, port: adminAddress.port }),
    ...(statusAddress && { status: formatHostPort({ host: statusAddress.address, port: statusAddress.port }) }),
  };
  logger.info(
    {
      ...addresses,
      node: nodeId,
      controlPlanes: controlPlanes.entries,
      traces: options.traceExport.url,
      traceSampling: tracing.samplingRatio,
    },
    'sidecar listening',
  );

  const certificateCache =
    identity && options.configCache && new CertificateCache({ dir: options.configCache.dir, owner, logger });
  if (certificateCache) identity?.certificate.onChange((state) => void certificateCache.save(state));
  identity?.start(await certificateCache?.load());
  ads.start();
  const cancelFallback = cached && fallBackToCache(cached, ads, options.configCache?.waitMs ?? 0, logger);
  const registration = new Registration({
    controlPlanes,
    credentials,
    instance: {
      service: options.service,
      namespace: options.namespace,
      instance_id: options.instanceId,
      address: options.advertiseAddress,
      port: intercept === undefined ? inboundAddress.port : options.appPort,
      labels: options.labels,
      protocol: options.appProtocol,
    },
    ttlSeconds: options.leaseTtlSeconds,
    logger,
    onWorkloadEnded: (reason) => {
      logger.info({ reason }, 'the app this sidecar serves has ended; stopping');
      options.onQuit();
    },
  });
  registration.start();

  return {
    ...addresses,
    certificate,
    async stop() {
      // Deregister first, and keep serving while the removal reaches peers' sidecars, so no peer
      // picks this instance after it stopped accepting; then drain what is in flight.
      const started = Date.now();
      await registration.stop();
      await new Promise((resolve) => setTimeout(resolve, Math.min(DEREGISTRATION_PROPAGATION_MS, options.drainMs)));
      const drainMs = Math.max(0, options.drainMs - (Date.now() - started));
      await Promise.all([inbound.close(drainMs), outbound.close(drainMs), tcpListeners.close(drainMs)]);
      await accessLog.flush();
      // Every span has ended once the listeners are closed: send the last ones.
      await tracing.shutdown();
      cancelFallback?.();
      ads.stop();
      await configCache?.flush();
      identity?.stop();
      await Promise.all([routing.outbound?.hosts.closeAll(), localInbound.hosts.closeAll(), appPorts.closeAll()]);
      await Promise.all([admin.close(0), status?.close(0)]);
    },
  };
}
