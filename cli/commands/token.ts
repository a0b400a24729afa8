// `pilotfish token create`: a bootstrap token a sidecar outside Kubernetes proves its identity with,
// or (--admin NAME) an operator's admin token for the Config API.
import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../../control-plane/src/config/duration.js';
import { createBootstrapToken } from '../../control-plane/src/identity/bootstrap-token.js';
import { createOperatorToken } from '../../control-plane/src/identity/operator-token.js';
import { loadTokenSigningKey } from '../../control-plane/src/identity/token-signing-key.js';

interface TokenCreateFlags {
  stateDir: string;
  service?: string;
  admin?: string;
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
    .description(
      'print a bootstrap token (ES256 JWT) for one workload (give it to its sidecar with --token-file), or with --admin an admin token for the CLI',
    )
    .requiredOption(
      '--state-dir <dir>',
      "the control plane's state dir (its token signing key is made there if absent)",
    )
    .option('--service <name>', 'the service the workload is an instance of')
    .option(
      '--admin <name>',
      'instead of a workload token: an admin token for operator NAME, who reads and changes the config (the history names NAME as author)',
    )
    .option('--namespace <name>', "the service's namespace", 'default')
    .option('--service-account <name>', 'the identity in its certificate (default: the service name)')
    .option(
      '--ttl <duration>',
      'how long the token can be used (to get certificates; an admin token: to call the Config API), e.g. 24h, 30m',
      duration,
      86_400_000,
    )
    .action((options: TokenCreateFlags) => {
      if ((options.service === undefined) === (options.admin === undefined))
        throw new InvalidArgumentError('give --service <name> (a workload token) or --admin <name> (an admin token)');
      const key = loadTokenSigningKey(options.stateDir);
      if (options.admin !== undefined) {
        process.stdout.write(createOperatorToken(key, options.admin, options.ttl, Date.now()) + '\n');
        return;
      }
      const service = options.service as string;
      const claims = { service, namespace: options.namespace, serviceAccount: options.serviceAccount ?? service };
      process.stdout.write(createBootstrapToken(key, claims, options.ttl, Date.now()) + '\n');
    });
  return new Command('token').description('workload bootstrap tokens and operator admin tokens').addCommand(create);
}
