// Wires one ingress gateway: the sidecar's outbound proxy at the edge of the mesh. Its ADS client
// asks for every listener of its Gateway's node group; each listener (a server of the Gateway) is
// bound as a proxy listener — terminating TLS for HTTPS servers, and following their certificate
// files as they are renewed — and rebound when its port or protocol changes. Same routing,
// clusters, metrics (reporter "source", the gateway as source workload), access log, tracing and
// admin listener as a sidecar. Nothing registers: no mesh service calls a gateway. With a token it
// gets its own SVID and calls the sidecars behind it in mutual TLS, as their clusters say.
import type { Logger } from 'pino';
import { formatHostPort, type HostPort } from '../../shared/host-port.js';
import { serviceFqdn } from '../../shared/service-fqdn.js';
import type { ControlPlaneTrust } from './identity/control-plane-credentials.js';
import { identityCredentials, workloadIdentity } from './identity/workload-identity.js';
import { createAdminListener } from './listeners/admin.js';
import { followCertificateFiles, type CertificateRenewal } from './listeners/certificate-renewal.js';
import { createProxyListener, type ProxyListener } from './listeners/proxy-listener.js';
import type { RoutingConfig } from './router/router.js';
import { createAccessLog } from './telemetry/access-log.js';
import { addCertificateExpiry } from './telemetry/certificate-metrics.js';
import { createSidecarMetrics } from './telemetry/sidecar-metrics.js';
import type { TraceExportConfig } from './telemetry/trace-export-config.js';
import { Tracing } from './telemetry/tracing.js';
import { AdsClient } from './xds/ads-client.js';
import { ControlPlanes } from './xds/control-planes.js';
import { compileProxyConfig, listenerTls, type ProxyConfig } from './xds/compile.js';
import { configError } from './xds/compile-errors.js';
import { secureContextOf, type ServerTls } from './xds/compile-tls.js';
import type { XdsResourceSet } from './xds/resource-set.js';

export interface GatewayOptions {
  /** The Gateway document this process serves. */
  name: string;
  namespace: string;
  /** The control-plane replicas (`--control-plane`); one is used at a time. */
  controlPlanes: HostPort[];
  /** TLS to the control plane and the token the gateway proves itself with; plaintext when empty. */
  controlPlaneTrust: ControlPlaneTrust;
  /** An ADS stream moves to a replica picked afresh after this long. */
  controlPlaneMaxAgeMs: number;
  /** Where the Gateway's server with the lowest port binds; every other server binds its port on this host. */
  listen: HostPort;
  adminListen: HostPort;
  drainMs: number;
  /** Where spans go (OTEL_EXPORTER_OTLP_* environment variables). */
  traceExport: TraceExportConfig;
  logger: Logger;
  /** Called on POST /quitquitquit. */
  onQuit(): void;
}

export interface Gateway {
  admin: string;
  stop(): Promise<void>;
}

/** A Gateway server as its listener says: where to bind, and TLS for HTTPS. */
interface ServerSpec {
  bind: HostPort;
  tls: ServerTls | undefined;
}

interface BoundServer extends ServerSpec {
  listener: ProxyListener;
  address: string;
  /** The certificate presented now: the spec's, or a renewal of its files since. */
  presented: ServerTls | undefined;
  renewal: CertificateRenewal | undefined;
}

// The proxy listener routes by this name; the RoutingConfig of each server maps it to its own routes.
const ROUTES_KEY = 'outbound';

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
  const key = `${options.namespace}/${options.name}`;
  const nodeId = `gateway~${options.name}.${options.namespace}`;
  let config: ProxyConfig | undefined;
  let servers = new Map<string, ServerSpec>();
  // The Gateway's listeners in the config in force: none until its Gateway document exists.
  let listenerCount = 0;
  let routing = new Map<string, RoutingConfig>();
  const bound = new Map<string, BoundServer>();
  let reconciling = Promise.resolve();
  const tracing = new Tracing({
    service: options.name,
    namespace: options.namespace,
    instanceId: nodeId,
    export: options.traceExport,
  });

  const controlPlanes = new ControlPlanes({ entries: options.controlPlanes, logger });
  // With a token, the gateway's own SVID: mutual TLS to the sidecars it sends to, and its control-plane calls.
  const identity = workloadIdentity(controlPlanes, options.controlPlaneTrust, logger);
  const ads = new AdsClient({
    controlPlanes,
    credentials: identityCredentials(options.controlPlaneTrust, identity),
    maxStreamAgeMs: options.controlPlaneMaxAgeMs,
    nodeId,
    metadata: { NAMESPACE: options.namespace, ROLE: 'gateway', GATEWAY: key },
    listenerNames: undefined,
    serviceConfigNames: [],
    apply(resources) {
      const ports = serverPorts(resources);
      config = compileProxyConfig(resources, config, undefined, identity?.upstream);
      listenerCount = ports.size;
      const compiled = config;
      const lowest = Math.min(...ports.values());
      // As Envoy warms a listener: a server binds once its route table has arrived, never to answer "no routes yet".
      const warm = [...ports].filter(([name]) => compiled.listeners.get(name)?.routeTable !== undefined);
      servers = new Map(
        warm.map(([name, port]) => [
          name,
          {
            bind: port === lowest ? options.listen : { host: options.listen.host, port },
            tls: listenerTls(compiled, name),
          },
        ]),
      );
      routing = new Map(
        [...compiled.listeners].map(([name, routes]) => [
          name,
          { listeners: new Map([[ROUTES_KEY, routes]]), clusters: compiled.clusters },
        ]),
      );
      // The MeshConfig's sampling, the same on every server.
      if (tracing.followSampling([...compiled.listeners.values()][0]?.traceSampling))
        logger.info({ traceSampling: tracing.samplingRatio }, 'trace sampling changed');
      reconciling = reconciling
        .then(reconcile)
        .catch((error: unknown) => logger.error({ err: error }, 'updating the gateway servers failed'));
    },
    // App parameters are for apps beside sidecars: a gateway asks for none.
    applyServiceConfigs() {},
    logger,
  });

  const clusters = () => config?.clusters.values() ?? [];
  const accessLog = createAccessLog();
  const metrics = createSidecarMetrics({
    isXdsConnected: () => ads.isConnected,
    nackCounts: () => ads.nackCounts(),
    versions: () => ads.versions(),
    configSource: () => ads.configSource,
    clusters,
    bindFailures: () => new Map(),
    spans: () => tracing.stats,
    accessLogDropped: () => accessLog.dropped,
  });
  addCertificateExpiry(metrics.registry, options.name, () =>
    [...bound].flatMap(([listener, server]) =>
      server.presented === undefined ? [] : [{ listener, chain: server.presented.cert }],
    ),
  );
  const telemetry = {
    metrics: metrics.requests,
    local: { name: options.name, fqdn: serviceFqdn(options.name, options.namespace) },
    accessLog,
    tracing,
  };

  /** Presents a server's certificate as renewed in its files, from now until `stop()`. */
  function followRenewals(name: string, server: BoundServer): CertificateRenewal | undefined {
    if (server.tls === undefined || server.tls.files.length === 0) return undefined;
    return followCertificateFiles(
      server.tls,
      (next) => {
        server.listener.setTls?.(secureContextOf(next));
        server.presented = next;
        logger.info({ listener: name, files: next.files }, 'gateway server certificate renewed from its files');
      },
      (error) =>
        logger.error(
          { err: error, listener: name },
          'the certificate files cannot be used; the certificate in force keeps serving',
        ),
    );
  }

  /** Binds, rebinds and closes proxy listeners until they are the servers of the config in force. */
  async function reconcile(): Promise<void> {
    const wanted = servers;
    for (const [name, server] of bound) {
      const spec = wanted.get(name);
      if (
        spec === undefined ||
        formatHostPort(spec.bind) !== formatHostPort(server.bind) ||
        (spec.tls === undefined) !== (server.tls === undefined)
      ) {
        bound.delete(name);
        server.renewal?.stop();
        await server.listener.close(options.drainMs);
        logger.info({ listener: name, address: server.address }, 'gateway server closed');
      } else if (spec.tls !== undefined && spec.tls !== server.tls) {
        server.renewal?.stop();
        server.listener.setTls?.(secureContextOf(spec.tls));
        server.tls = spec.tls;
        server.presented = spec.tls;
        server.renewal = followRenewals(name, server);
        logger.info({ listener: name }, 'gateway server certificate replaced');
      }
    }
    for (const [name, spec] of wanted) {
      if (bound.has(name)) continue;
      const listener = createProxyListener({
        name: ROUTES_KEY,
        getConfig: () => routing.get(name),
        source: options.name,
        telemetry,
        tls: spec.tls && secureContextOf(spec.tls),
        logger,
      });
      try {
        const address = await listener.listen(spec.bind.host, spec.bind.port);
        const server: BoundServer = {
          ...spec,
          listener,
          address: formatHostPort({ host: address.address, port: address.port }),
          presented: spec.tls,
          renewal: undefined,
        };
        server.renewal = followRenewals(name, server);
        bound.set(name, server);
        logger.info(
          { listener: name, address: server.address, tls: spec.tls !== undefined },
          'gateway server listening',
        );
      } catch (error) {
        logger.error(
          { err: error, listener: name },
          'gateway server cannot listen; tried again on the next config update',
        );
      }
    }
  }

  const admin = createAdminListener({
    // Ready once the Gateway document's servers are all bound: a gateway with none serves no one.
    isReady: () =>
      ads.hasInitialConfig &&
      listenerCount > 0 &&
      servers.size === listenerCount &&
      [...servers.keys()].every((name) => bound.has(name)),
    notReadyReason: () =>
      !ads.hasInitialConfig
        ? 'waiting for the first complete config from the control plane'
        : listenerCount === 0
          ? `no Gateway document ${key} with servers in the control plane's config`
          : `${[...servers.keys()].filter((name) => bound.has(name)).length} of ${listenerCount} Gateway servers bound`,
    configDump: () => ads.configDump(),
    clusters,
    listeners: () =>
      [...bound].map(([name, server]) => ({ name, address: server.address, tls: server.tls !== undefined })),
    metrics: metrics.registry,
    quit: options.onQuit,
    logger,
  });
  const adminAddress = await admin.listen(options.adminListen.host, options.adminListen.port);
  const addresses = { admin: formatHostPort({ host: adminAddress.address, port: adminAddress.port }) };
  logger.info({ ...addresses, node: nodeId, gateway: key, controlPlanes: controlPlanes.entries }, 'gateway started');
  identity?.start();
  ads.start();

  return {
    ...addresses,
    async stop() {
      ads.stop();
      await reconciling;
      for (const server of bound.values()) server.renewal?.stop();
      await Promise.all([...bound.values()].map((server) => server.listener.close(options.drainMs)));
      await accessLog.flush();
      await tracing.shutdown();
      await config?.hosts.closeAll();
      identity?.stop();
      await admin.close(0);
    },
  };
}

/** Each listener's port (its Gateway server's); a listener without one is refused. */
function serverPorts(resources: XdsResourceSet): Map<string, number> {
  const ports = new Map<string, number>();
  for (const [name, listener] of resources.listeners) {
    const port = listener.address?.socket_address?.port_value;
    if (port === undefined || port < 1 || port > 65535)
      throw configError(
        `Listener "${name}"`,
        'address.socket_address.port_value',
        `needs the server's port (1–65535), got ${port ?? 'none'}`,
      );
    ports.set(name, port);
  }
  return ports;
}
