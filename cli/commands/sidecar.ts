// `pilotfish sidecar`: the proxy beside one app instance.
import { Command, InvalidArgumentError, Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { parseInboundPorts, type InboundProtocol } from '../../sidecar/src/intercept/inbound-protocol.js';
import { loadOriginalDestinationReader } from '../../sidecar/src/intercept/original-destination.js';
import { traceExportConfig } from '../../sidecar/src/telemetry/trace-export-config.js';
import { APP_PROTOCOLS, type AppProtocol } from '../../sidecar/src/xds/app-protocol.js';
import { parseHostPort } from '../../shared/host-port.js';
import {
  addControlPlaneOptions,
  caFileOption,
  rootsChangeSpreadOption,
  type ControlPlaneFlags,
} from '../control-plane-options.js';
import { createLogger } from '../logger.js';
import { labelList, onShutdownSignal, port, positiveInt } from '../options.js';

interface SidecarFlags extends ControlPlaneFlags {
  service: string;
  appPort: number;
  appProtocol: AppProtocol;
  namespace: string;
  labels: Record<string, string>;
  instanceId?: string;
  inboundListen: string;
  advertiseAddress?: string;
  outboundListen: string;
  adminListen: string;
  statusListen?: string;
  leaseTtl: number;
  drainTimeout: number;
  tokenFile?: string;
  intercept?: boolean;
  inboundPorts?: Map<number, InboundProtocol>;
  caFile?: string;
  rootsChangeSpread: number;
  configCache?: string;
  configCacheWait: number;
  requestMetrics: boolean;
}

export function sidecarCommand(): Command {
  return addControlPlaneOptions(
    new Command('sidecar')
      .description(
        'run a sidecar proxy beside one instance of a service: registers the app, serves its inbound and outbound traffic',
      )
      .requiredOption('--service <name>', 'the service this instance belongs to')
      .requiredOption('--app-port <port>', "the app's port on 127.0.0.1 (inbound traffic goes there)", port)
      .addOption(
        new Option(
          '--app-protocol <protocol>',
          'what the app speaks, registered as the instance protocol: grpc and http2 apps get HTTP/2; tcp apps get raw bytes',
        )
          .choices(APP_PROTOCOLS)
          .default('http'),
      ),
  )
    .option('--namespace <name>', "the service's namespace", 'default')
    .option('--labels <k=v,...>', 'instance labels, e.g. version=v2', labelList, {})
    .option('--instance-id <id>', 'unique id of this instance (default: <service>-<random>)')
    .option('--inbound-listen <host:port>', "inbound listener: peers' sidecars reach the app here", '127.0.0.1:15006')
    .option('--advertise-address <ip>', 'the address to register (default: the inbound listener host)')
    .option('--outbound-listen <host:port>', "outbound listener: the app's outgoing calls", '127.0.0.1:15001')
    .option(
      '--admin-listen <host:port>',
      "admin HTTP listener, loopback only: /ready, /config_dump, /clusters, /stats/prometheus, /v1/config (the app's parameters), POST /quitquitquit",
      '127.0.0.1:15000',
    )
    .option(
      '--status-listen <host:port>',
      'status listener for kubelet (e.g. 0.0.0.0:15021 in a pod): /healthz/ready and /app-health/<container>/livez|readyz|startupz, which run the app probes given in PILOTFISH_APP_PROBES',
    )
    .option('--lease-ttl <seconds>', 'registration lease TTL', positiveInt, 10)
    .option('--drain-timeout <seconds>', 'on SIGTERM, how long in-flight requests may finish', positiveInt, 5)
    .option(
      '--token-file <file>',
      'a bootstrap token (pilotfish token create): the sidecar gets its workload certificate with it, and shows that certificate to the control plane',
    )
    .addOption(caFileOption())
    .addOption(rootsChangeSpreadOption())
    .option(
      '--config-cache <dir>',
      'keep the last accepted config in this folder (created 0700, file 0600); a start that no control plane answers serves it',
    )
    .option(
      '--config-cache-wait <seconds>',
      'with --config-cache: how long a start waits for a control plane before serving the cached config',
      positiveInt,
      5,
    )
    .option(
      '--intercept',
      "intercept mode, beside `pilotfish init-iptables`: the outbound listener takes every connection redirected from the app and routes it by its original destination; the inbound listener sends each connection to the app's port it was sent to; registers --app-port",
    )
    .option(
      '--inbound-ports <port=protocol,...>',
      'with --intercept: what other ports of the app speak (http|tcp), e.g. 9000=tcp; undeclared ports are told by the first bytes a client sends, so a protocol whose server speaks first must be declared',
      (value: string) => {
        try {
          return parseInboundPorts(value);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      },
    )
    .option(
      '--no-request-metrics',
      "do not record Istio's request metrics (istio_requests_total and the duration and size histograms): saves their CPU on every request",
    )
    .action(async (options: SidecarFlags) => {
      if (options.tokenFile !== undefined && options.caFile === undefined)
        throw new Error(
          "--token-file needs --ca-file: the control plane's trust bundle (<state-dir>/trust-bundle.pem); a token is never sent in plaintext",
        );
      const logger = createLogger('sidecar');
      if (options.inboundPorts !== undefined && options.intercept !== true)
        throw new Error('--inbound-ports needs --intercept: without it the inbound listener serves --app-port only');
      const readDestination = options.intercept === true ? loadOriginalDestinationReader() : undefined;
      if (readDestination instanceof Error) throw readDestination;
      const inboundListen = parseHostPort(options.inboundListen, '--inbound-listen');
      const advertiseAddress: string = options.advertiseAddress ?? inboundListen.host;
      if (advertiseAddress === '0.0.0.0' || advertiseAddress === '::') {
        throw new Error('--inbound-listen binds every address: give --advertise-address, the address peers should use');
      }
      // Loaded here, not at the top: `--help` and a refused flag need none of the proxy.
      const { startSidecar } = await import('../../sidecar/src/main.js');
      const probes = process.env.PILOTFISH_APP_PROBES;
      const appProbes =
        probes === undefined || probes.trim() === ''
          ? new Map()
          : (await import('../../sidecar/src/listeners/app-probe-schema.js')).parseAppProbes(probes);
      const sidecar = await startSidecar({
        service: options.service,
        namespace: options.namespace,
        instanceId: options.instanceId ?? `${options.service}-${randomBytes(3).toString('hex')}`,
        labels: options.labels,
        appPort: options.appPort,
        appProtocol: options.appProtocol,
        controlPlanes: options.controlPlane,
        controlPlaneMaxAgeMs: options.controlPlaneMaxAge * 1000,
        inboundListen,
        outboundListen: parseHostPort(options.outboundListen, '--outbound-listen'),
        adminListen: parseHostPort(options.adminListen, '--admin-listen'),
        statusListen:
          options.statusListen === undefined ? undefined : parseHostPort(options.statusListen, '--status-listen'),
        appProbes,
        advertiseAddress,
        leaseTtlSeconds: options.leaseTtl,
        drainMs: options.drainTimeout * 1000,
        tokenFile: options.tokenFile,
        intercept:
          readDestination === undefined
            ? undefined
            : { readDestination, inboundPorts: options.inboundPorts ?? new Map<number, InboundProtocol>() },
        caFile: options.caFile,
        rootsChangeSpreadMs: options.rootsChangeSpread * 1000,
        configCache:
          options.configCache === undefined
            ? undefined
            : { dir: options.configCache, waitMs: options.configCacheWait * 1000 },
        traceExport: traceExportConfig(process.env),
        requestMetrics: options.requestMetrics,
        logger,
        onQuit: () => process.kill(process.pid, 'SIGTERM'),
      });
      onShutdownSignal(async (signal) => {
        logger.info({ signal }, 'sidecar draining');
        await sidecar.stop();
        logger.info('sidecar stopped');
      });
    });
}
