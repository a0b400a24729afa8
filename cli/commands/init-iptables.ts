// `pilotfish init-iptables`: installs (or with --cleanup removes) the nat rules that send a pod's
// TCP traffic through its sidecar; run as root, or with NET_ADMIN and NET_RAW, in the pod's network namespace.
import { Command, InvalidArgumentError } from 'commander';
import {
  findInstalledRules,
  renderCleanup,
  renderDryRun,
  renderInstall,
  type InterceptOptions,
  type IpFamily,
} from '../iptables/iptables-rules.js';
import { parseCidrs } from '../../control-plane/src/injection/cidr-list.js';
import { restoreNat, saveNat } from '../iptables/iptables-restore.js';
import { port, positiveInt } from '../options.js';

interface InitIptablesFlags {
  proxyUid: number;
  proxyGid?: number;
  inboundPort: number;
  outboundPort: number;
  excludeInboundPorts: number[];
  excludeOutboundPorts: number[];
  excludeOutboundCidrs: string[];
  includeOutboundCidrs: string;
  dryRun?: boolean;
  cleanup?: boolean;
}

const families: IpFamily[] = [4, 6];

function portList(value: string): number[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map(port);
}

function cidrList(option: string) {
  return (value: string): string[] => {
    try {
      return parseCidrs(value, option);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function interceptOptions(flags: InitIptablesFlags): InterceptOptions {
  return {
    proxyUid: flags.proxyUid,
    proxyGid: flags.proxyGid ?? flags.proxyUid,
    inboundPort: flags.inboundPort,
    outboundPort: flags.outboundPort,
    excludeInboundPorts: flags.excludeInboundPorts,
    excludeOutboundPorts: flags.excludeOutboundPorts,
    excludeOutboundCidrs: flags.excludeOutboundCidrs,
    includeOutboundCidrs:
      flags.includeOutboundCidrs.trim() === '*'
        ? '*'
        : parseCidrs(flags.includeOutboundCidrs, '--include-outbound-cidrs'),
  };
}

async function install(options: InterceptOptions, dryRun: boolean): Promise<void> {
  if (dryRun) {
    process.stdout.write(renderDryRun(options));
    return;
  }
  const before = new Map<IpFamily, string>();
  try {
    for (const family of families) {
      const saved = await saveNat(family);
      before.set(family, saved);
      await restoreNat(family, renderInstall(options, family, findInstalledRules(saved)), { noflush: true });
    }
  } catch (error) {
    // All or nothing across both families: put back the nat tables already changed.
    for (const [family, saved] of before) await restoreNat(family, saved, { noflush: false }).catch(() => undefined);
    throw new Error('interception rules not installed; the nat tables were left as they were', { cause: error });
  }
  console.log(
    `pilotfish init-iptables: TCP inbound → ${options.inboundPort}, outbound → ${options.outboundPort}, uid/gid ${options.proxyUid}/${options.proxyGid} exempt (IPv4 and IPv6)`,
  );
}

async function cleanup(dryRun: boolean): Promise<void> {
  for (const family of families) {
    const installed = findInstalledRules(await saveNat(family));
    const text = renderCleanup(installed);
    const tool = family === 4 ? 'iptables' : 'ip6tables';
    if (dryRun) process.stdout.write(`# ${tool}-restore --noflush\n${text}`);
    else if (text !== '') await restoreNat(family, text, { noflush: true });
    if (!dryRun)
      console.log(
        `pilotfish init-iptables --cleanup: ${tool}: removed ${installed.chains.length} chains, ${installed.jumps.length} jumps`,
      );
  }
}

export function initIptablesCommand(): Command {
  return new Command('init-iptables')
    .description(
      "install the nat rules that send a pod's TCP traffic through its sidecar (Istio's istio-iptables layout); needs root or NET_ADMIN",
    )
    .option('--proxy-uid <uid>', 'uid the sidecar runs as: its traffic is never redirected', positiveInt, 1337)
    .option('--proxy-gid <gid>', 'gid the sidecar runs as (default: the proxy uid)', positiveInt)
    .option('--inbound-port <port>', "the sidecar's inbound capture port", port, 15006)
    .option('--outbound-port <port>', "the sidecar's outbound capture port", port, 15001)
    .option('--exclude-inbound-ports <ports>', 'comma-separated ports that reach the pod directly', portList, [])
    .option('--exclude-outbound-ports <ports>', 'comma-separated destination ports left alone', portList, [])
    .option(
      '--exclude-outbound-cidrs <cidrs>',
      'comma-separated destination CIDRs left alone',
      cidrList('--exclude-outbound-cidrs'),
      [],
    )
    .option('--include-outbound-cidrs <cidrs>', "destination CIDRs to redirect, or '*' for all", '*')
    .option('--dry-run', 'print the iptables-restore text instead of applying it (for a namespace without our rules)')
    .option('--cleanup', 'remove the chains and jumps this command installs')
    .action(async (flags: InitIptablesFlags) => {
      if (flags.cleanup) return cleanup(flags.dryRun === true);
      return install(interceptOptions(flags), flags.dryRun === true);
    });
}
