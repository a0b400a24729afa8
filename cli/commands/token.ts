// `pilotfish token create`: a bootstrap token a sidecar outside Kubernetes proves its identity with.
import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../../control-plane/src/config/duration.js';
import { createBootstrapToken } from '../../control-plane/src/identity/bootstrap-token.js';
import { loadTokenSigningKey } from '../../control-plane/src/identity/token-signing-key.js';

interface TokenCreateFlags {
  stateDir: string;
  service: string;
  namespace: string;
  serviceAccount?: string;
  ttl: number;
}

function duration(value: string): number {
  const parsed = parseDuration(value);
  if ('error' in parsed) throw new InvalidArgumentError(parsed.error);
  return parsed.ms;
}

export function tokenCommand(): Command {
  const create = new Command('create')
    .description('print a bootstrap token (ES256 JWT) for one workload; give it to its sidecar with --token-file')
    .requiredOption(
      '--state-dir <dir>',
      "the control plane's state dir (its token signing key is made there if absent)",
    )
    .requiredOption('--service <name>', 'the service the workload is an instance of')
    .option('--namespace <name>', "the service's namespace", 'default')
    .option('--service-account <name>', 'the identity in its certificate (default: the service name)')
    .option(
      '--ttl <duration>',
      'how long the token can be used to get certificates, e.g. 24h, 30m',
      duration,
      86_400_000,
    )
    .action((options: TokenCreateFlags) => {
      const key = loadTokenSigningKey(options.stateDir);
      const claims = {
        service: options.service,
        namespace: options.namespace,
        serviceAccount: options.serviceAccount ?? options.service,
      };
      process.stdout.write(createBootstrapToken(key, claims, options.ttl, Date.now()) + '\n');
    });
  return new Command('token').description('workload bootstrap tokens').addCommand(create);
}
