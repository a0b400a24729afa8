// `pilotfish control-plane`: the registry, xDS server and admin listener in one process.
import { Command, InvalidArgumentError, type Option } from 'commander';
import { KINDS } from '../../control-plane/src/config/kinds.js';
import type { Logger } from 'pino';
import type { IdentityOptions } from '../../control-plane/src/identity/mesh-identity.js';
import { DEFAULT_SVID_LIFETIME_MS, parseSvidLifetime } from '../../control-plane/src/identity/svid-lifetime.js';
import { parseHostPort } from '../../shared/host-port.js';
import { createLogger } from '../logger.js';
import { onShutdownSignal, positiveInt } from '../options.js';
import { storeLocation, storeOptions, type StoreFlags } from '../store-options.js';
import { injectionSettingOptions, injectionSettings, type InjectionSettingFlags } from './inject.js';

interface ControlPlaneFlags extends StoreFlags {
  grpcListen: string;
  adminListen: string;
  debounceMs: number;
  maxDebounceMs: number;
  defaultTtl: number;
  maxTtl: number;
  configDir?: string;
  webhookListen?: string;
  webhookCert?: string;
  webhookKey?: string;
  kubernetes?: boolean;
  kubeconfig?: string;
  stateDir?: string;
  caCert?: string;
  caKey?: string;
  trustDomain: string;
  workloadCertTtl: number;
  configHistory: number;
}

export function controlPlaneCommand(): Command {
  const [storeFlag, etcdCa, etcdCert, etcdKey] = storeOptions(
    'where registrations, config versions and the CA live: memory, or etcd shared by control-plane replicas',
  ) as [Option, Option, Option, Option];
  return new Command('control-plane')
    .description('run the control plane: service registry (pilotfish.v1) and xDS v3 ADS server')
    .option('--grpc-listen <host:port>', 'gRPC listener for the registry API and xDS', '127.0.0.1:15010')
    .option(
      '--admin-listen <host:port>',
      'admin HTTP listener: /ready, /metrics, /debug/registry, /debug/config, /debug/proxies, /debug/snapshots',
      '127.0.0.1:15014',
    )
    .option('--config-dir <dir>', `folder of YAML config documents (${KINDS.join(', ')}), watched for changes`)
    .option('--kubernetes', "read Services, EndpointSlices and Pods from the cluster (the pod's service account)")
    .option('--kubeconfig <file>', 'with --kubernetes (implied): reach the cluster with this kubeconfig instead')
    .option(
      '--debounce-ms <ms>',
      'quiet period that coalesces a burst of registry changes into one push',
      positiveInt,
      100,
    )
    .option(
      '--max-debounce-ms <ms>',
      "longest a change waits under a steady stream of changes (Istio's PILOT_DEBOUNCE_MAX)",
      positiveInt,
      10_000,
    )
    .option('--default-ttl <seconds>', 'lease TTL for registrations that ask for none', positiveInt, 10)
    .option('--max-ttl <seconds>', 'longest lease TTL granted', positiveInt, 3600)
    .addOption(storeFlag)
    .addOption(etcdCa)
    .addOption(etcdCert)
    .addOption(etcdKey)
    .option('--config-history <versions>', 'how many config versions the history keeps', positiveInt, 100)
    .option('--webhook-listen <host:port>', 'HTTPS listener of the sidecar injection webhook (POST /inject)')
    .option('--webhook-cert <file>', "the webhook's TLS certificate (PEM)")
    .option('--webhook-key <file>', "the webhook's TLS private key (PEM)")
    .addOption(injectionSettingOptions.proxyImage())
    .addOption(injectionSettingOptions.meshControlPlane())
    .addOption(injectionSettingOptions.proxyUid())
    .option(
      '--state-dir <dir>',
      'where the CA root and the bootstrap token key are kept (made on first start); enables pilotfish.v1.Identity',
    )
    .option(
      '--ca-cert <file>',
      "an operator's CA certificate (root, or intermediate followed by its chain to the root)",
    )
    .option('--ca-key <file>', "the private key of --ca-cert's certificate (mode 0600)")
    .option('--trust-domain <domain>', 'the SPIFFE trust domain of workload identities', 'cluster.local')
    .option(
      '--workload-cert-ttl <duration>',
      'how long the workload certificates the CA issues are valid, e.g. 24h, 10m (at least 1m); sidecars renew at about half',
      svidLifetime,
      DEFAULT_SVID_LIFETIME_MS,
    )
    .action(async (options: ControlPlaneFlags & InjectionSettingFlags) => {
      const logger = createLogger('control-plane');
      const store = storeLocation(options);
      const webhook = await startWebhook(options, logger);
      // Loaded here, not at the top: `--help` and a refused flag need none of the server.
      const { startControlPlane } = await import('../../control-plane/src/server.js');
      const controlPlane = await startControlPlane({
        grpcListen: parseHostPort(options.grpcListen, '--grpc-listen'),
        adminListen: parseHostPort(options.adminListen, '--admin-listen'),
        debounceMs: options.debounceMs,
        maxDebounceMs: options.maxDebounceMs,
        defaultTtlSeconds: options.defaultTtl,
        maxTtlSeconds: options.maxTtl,
        configDir: options.configDir,
        kubeConfig:
          options.kubernetes || options.kubeconfig !== undefined
            ? (await import('../../control-plane/src/kubernetes/kube-config.js')).loadKubeConfig(options.kubeconfig)
            : undefined,
        identity: identityOptions(options),
        store,
        configHistory: options.configHistory,
        logger,
      });
      onShutdownSignal(async (signal) => {
        logger.info({ signal }, 'control plane stopping');
        await Promise.all([controlPlane.stop(), webhook?.stop()]);
      });
    });
}

async function startWebhook(options: ControlPlaneFlags & InjectionSettingFlags, logger: Logger) {
  if (options.webhookListen === undefined) return undefined;
  // The API server calls webhooks over HTTPS only: there is no plaintext mode.
  if (options.webhookCert === undefined || options.webhookKey === undefined)
    throw new Error(
      '--webhook-listen needs --webhook-cert and --webhook-key (the API server calls webhooks over HTTPS)',
    );
  const { startInjectionWebhook } = await import('../../control-plane/src/injection/webhook-server.js');
  return startInjectionWebhook({
    listen: parseHostPort(options.webhookListen, '--webhook-listen'),
    certificateFile: options.webhookCert,
    keyFile: options.webhookKey,
    settings: injectionSettings(options),
    logger,
  });
}

function identityOptions(options: ControlPlaneFlags): IdentityOptions | undefined {
  if (options.stateDir === undefined) {
    if (options.caCert !== undefined || options.caKey !== undefined)
      throw new Error('--ca-cert and --ca-key need --state-dir (where the bootstrap token key is kept)');
    return undefined;
  }
  return {
    stateDir: options.stateDir,
    caCertificateFile: options.caCert,
    caKeyFile: options.caKey,
    trustDomain: options.trustDomain,
    workloadCertificateLifetimeMs: options.workloadCertTtl,
  };
}

function svidLifetime(value: string): number {
  try {
    return parseSvidLifetime(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
