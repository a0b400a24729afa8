// `pilotfish control-plane`: the registry, xDS server and admin listener in one process.
import { Command } from 'commander';
import { KINDS } from '../../control-plane/src/config/config-documents.js';
import { startControlPlane } from '../../control-plane/src/server.js';
import { parseHostPort } from '../host-port.js';
import { createLogger } from '../logger.js';
import { onShutdownSignal, positiveInt } from '../options.js';

interface ControlPlaneFlags {
  grpcListen: string;
  adminListen: string;
  debounceMs: number;
  maxDebounceMs: number;
  defaultTtl: number;
  maxTtl: number;
  configDir?: string;
}

export function controlPlaneCommand(): Command {
  return new Command('control-plane')
    .description('run the control plane: service registry (pilotfish.v1) and xDS v3 ADS server')
    .option('--grpc-listen <host:port>', 'gRPC listener for the registry API and xDS', '127.0.0.1:15010')
    .option(
      '--admin-listen <host:port>',
      'admin HTTP listener: /ready, /metrics, /debug/registry, /debug/config, /debug/proxies, /debug/snapshots',
      '127.0.0.1:15014',
    )
    .option('--config-dir <dir>', `folder of YAML config documents (${KINDS.join(', ')}), watched for changes`)
    .option(
      '--debounce-ms <ms>',
      'quiet period that coalesces a burst of registry changes into one push',
      positiveInt,
      100,
    )
    .option('--max-debounce-ms <ms>', 'longest a change waits under a steady stream of changes', positiveInt, 1000)
    .option('--default-ttl <seconds>', 'lease TTL for registrations that ask for none', positiveInt, 10)
    .option('--max-ttl <seconds>', 'longest lease TTL granted', positiveInt, 3600)
    .action(async (options: ControlPlaneFlags) => {
      const logger = createLogger('control-plane');
      const controlPlane = await startControlPlane({
        grpcListen: parseHostPort(options.grpcListen, '--grpc-listen'),
        adminListen: parseHostPort(options.adminListen, '--admin-listen'),
        debounceMs: options.debounceMs,
        maxDebounceMs: options.maxDebounceMs,
        defaultTtlSeconds: options.defaultTtl,
        maxTtlSeconds: options.maxTtl,
        configDir: options.configDir,
        logger,
      });
      onShutdownSignal(async (signal) => {
        logger.info({ signal }, 'control plane stopping');
        await controlPlane.stop();
      });
    });
}
