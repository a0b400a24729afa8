// `pilotfish gateway`: the ingress gateway, the mesh's proxy at its edge, serving one Gateway document.
import { Command } from 'commander';
import { traceExportConfig } from '../../sidecar/src/telemetry/trace-export-config.js';
import { parseHostPort } from '../../shared/host-port.js';
import {
  addControlPlaneOptions,
  caFileOption,
  rootsChangeSpreadOption,
  type ControlPlaneFlags,
} from '../control-plane-options.js';
import { createLogger } from '../logger.js';
import { onShutdownSignal, positiveInt } from '../options.js';

const GATEWAY_REF = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/)?([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

interface GatewayFlags extends ControlPlaneFlags {
  gateway: string;
  listen: string;
  adminListen: string;
  drainTimeout: number;
  caFile?: string;
  tokenFile?: string;
  rootsChangeSpread: number;
}

export function gatewayCommand(): Command {
  return addControlPlaneOptions(
    new Command('gateway')
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
      ),
  )
    .option(
      '--admin-listen <host:port>',
      // Not the sidecar's 15000: a gateway and sidecars on one host (Istio's pilot-agent port for gateways).
      'admin HTTP listener (/ready, /listeners, /stats/prometheus, /config_dump, /clusters, /quitquitquit)',
      '127.0.0.1:15020',
    )
    .option('--drain-timeout <seconds>', 'on SIGTERM, how long in-flight requests may finish', positiveInt, 5)
    .addOption(caFileOption())
    .option(
      '--token-file <file>',
      'a bootstrap token (pilotfish token create) the gateway proves its identity to the control plane with; needs --ca-file',
    )
    .addOption(rootsChangeSpreadOption())
    .action(async (options: GatewayFlags) => {
      if (options.tokenFile !== undefined && options.caFile === undefined)
        throw new Error(
          "--token-file needs --ca-file: the control plane's trust bundle; a token is never sent in plaintext",
        );
      const match = GATEWAY_REF.exec(options.gateway);
      if (!match)
        throw new Error(`--gateway: "${options.gateway}" is not NAMESPACE/NAME or NAME (lowercase DNS labels)`);
      const logger = createLogger('gateway');
      // Loaded here, not at the top: `--help` and a refused flag need none of the proxy.
      const { startGateway } = await import('../../sidecar/src/gateway.js');
      const gateway = await startGateway({
        name: match[3] as string,
        namespace: match[1] ?? 'default',
        controlPlanes: options.controlPlane,
        controlPlaneMaxAgeMs: options.controlPlaneMaxAge * 1000,
        controlPlaneTrust: {
          caFile: options.caFile,
          tokenFile: options.tokenFile,
          rootsChangeSpreadMs: options.rootsChangeSpread * 1000,
        },
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
