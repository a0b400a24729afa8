// `pilotfish sidecar`: the proxy beside one app instance.
import { Command, Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { startSidecar } from '../../sidecar/src/main.js';
import { traceExportConfig } from '../../sidecar/src/telemetry/trace-export-config.js';
import { APP_PROTOCOLS, type AppProtocol } from '../../sidecar/src/xds/compile.js';
import { parseHostPort } from '../host-port.js';
import { createLogger } from '../logger.js';
import { labelList, onShutdownSignal, port, positiveInt } from '../options.js';

interface SidecarFlags {
  service: string;
  appPort: number;
  appProtocol: AppProtocol;
  controlPlane: string;
  namespace: string;
  labels: Record<string, string>;
  instanceId?: string;
  inboundListen: string;
  advertiseAddress?: string;
  outboundListen: string;
  adminListen: string;
  leaseTtl: number;
  drainTimeout: number;
}

export function sidecarCommand(): Command {
  return new Command('sidecar')
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
    )
    .option('--control-plane <host:port>', "the control plane's gRPC address", '127.0.0.1:15010')
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
    .option('--lease-ttl <seconds>', 'registration lease TTL', positiveInt, 10)
    .option('--drain-timeout <seconds>', 'on SIGTERM, how long in-flight requests may finish', positiveInt, 5)
    .action(async (options: SidecarFlags) => {
      const logger = createLogger('sidecar');
      const inboundListen = parseHostPort(options.inboundListen, '--inbound-listen');
      const advertiseAddress: string = options.advertiseAddress ?? inboundListen.host;
      if (advertiseAddress === '0.0.0.0' || advertiseAddress === '::') {
        throw new Error('--inbound-listen binds every address: give --advertise-address, the address peers should use');
      }
      const sidecar = await startSidecar({
        service: options.service,
        namespace: options.namespace,
        instanceId: options.instanceId ?? `${options.service}-${randomBytes(3).toString('hex')}`,
        labels: options.labels,
        appPort: options.appPort,
        appProtocol: options.appProtocol,
        controlPlane: options.controlPlane,
        inboundListen,
        outboundListen: parseHostPort(options.outboundListen, '--outbound-listen'),
        adminListen: parseHostPort(options.adminListen, '--admin-listen'),
        advertiseAddress,
        leaseTtlSeconds: options.leaseTtl,
        drainMs: options.drainTimeout * 1000,
        traceExport: traceExportConfig(process.env),
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
