// `pilotfish gateway`: the ingress gateway, the mesh's proxy at its edge, serving one Gateway document.
import { Command } from 'commander';
import { startGateway } from '../../sidecar/src/gateway.js';
import { traceExportConfig } from '../../sidecar/src/telemetry/trace-export-config.js';
import { parseHostPort } from '../host-port.js';
import { createLogger } from '../logger.js';
import { onShutdownSignal, positiveInt } from '../options.js';

const GATEWAY_REF = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/)?([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

interface GatewayFlags {
  gateway: string;
  controlPlane: string;
  listen: string;
  adminListen: string;
  drainTimeout: number;
}

export function gatewayCommand(): Command {
  return new Command('gateway')
    .description(
      'run an ingress gateway: the servers of a Gateway document, routing outside clients to mesh services by the Routes attached to it',
    )
    .option(
      '--gateway <namespace/name>',
      'the Gateway document this process serves (a bare name is in namespace "default")',
      'default/ingress',
    )
    .option(
      '--listen <host:port>',
      "where the Gateway's server with the lowest port binds; other servers bind their own port on this host",
      '127.0.0.1:8080',
    )
    .option('--control-plane <host:port>', "the control plane's gRPC address", '127.0.0.1:15010')
    .option(
      '--admin-listen <host:port>',
      'admin HTTP listener (/ready, /listeners, /stats/prometheus, /config_dump, /clusters, /quitquitquit)',
      '127.0.0.1:15000',
    )
    .option('--drain-timeout <seconds>', 'on SIGTERM, how long in-flight requests may finish', positiveInt, 5)
    .action(async (options: GatewayFlags) => {
      const match = GATEWAY_REF.exec(options.gateway);
      if (!match)
        throw new Error(`--gateway: "${options.gateway}" is not NAMESPACE/NAME or NAME (lowercase DNS labels)`);
      const logger = createLogger('gateway');
      const gateway = await startGateway({
        name: match[3] as string,
        namespace: match[1] ?? 'default',
        controlPlane: options.controlPlane,
        listen: parseHostPort(options.listen, '--listen'),
        adminListen: parseHostPort(options.adminListen, '--admin-listen'),
        drainMs: options.drainTimeout * 1000,
        traceExport: traceExportConfig(process.env),
        logger,
        onQuit: () => process.kill(process.pid, 'SIGTERM'),
      });
      onShutdownSignal(async (signal) => {
        logger.info({ signal }, 'gateway draining');
        await gateway.stop();
        logger.info('gateway stopped');
      });
    });
}
