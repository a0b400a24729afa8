// The nat rules of transparent interception, as `iptables-restore --noflush` text: Istio's
// istio-iptables layout in chains of our own. Pure: options and the current `iptables-save -t nat` in, text out.
import { isIP } from 'node:net';

export type IpFamily = 4 | 6;

export interface InterceptOptions {
  proxyUid: number;
  proxyGid: number;
  inboundPort: number;
  outboundPort: number;
  excludeInboundPorts: number[];
  excludeOutboundPorts: number[];
  excludeOutboundCidrs: string[];
  /** `'*'` redirects every outbound destination; a list redirects only those. */
  includeOutboundCidrs: '*' | string[];
}

export const chains = ['PILOTFISH_INBOUND', 'PILOTFISH_IN_REDIRECT', 'PILOTFISH_OUTPUT', 'PILOTFISH_REDIRECT'] as const;

const loopback: Record<IpFamily, { host: string; passthrough: string }> = {
  4: { host: '127.0.0.1/32', passthrough: '127.0.0.6/32' },
  6: { host: '::1/128', passthrough: '::6/128' },
};

export function cidrFamily(cidr: string): IpFamily {
  return isIP(cidr.split('/')[0] ?? '') === 6 ? 6 : 4;
}

/** What of ours the nat table already holds: our chains, and the jumps into them from PREROUTING and OUTPUT. */
export interface InstalledRules {
  chains: string[];
  jumps: string[];
}

export function findInstalledRules(iptablesSave: string): InstalledRules {
  const lines = natTableLines(iptablesSave);
  return {
    chains: lines.filter((line) => /^:PILOTFISH_\w+ /.test(line)).map((line) => line.slice(1).split(' ')[0] ?? ''),
    jumps: lines.filter((line) => /^-A (PREROUTING|OUTPUT) .*-j PILOTFISH_\w+$/.test(line)),
  };
}

function natTableLines(iptablesSave: string): string[] {
  const lines: string[] = [];
  let inNat = false;
  for (const raw of iptablesSave.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) inNat = line === '*nat';
    else if (line === 'COMMIT') inNat = false;
    else if (inNat) lines.push(line);
  }
  return lines;
}

/**
 * The restore text that installs one set of rules for `family`: declaring a chain under --noflush
 * empties it, and jumps left by an earlier run are deleted first, so running twice leaves one set.
 */
export function renderInstall(options: InterceptOptions, family: IpFamily, installed: InstalledRules): string {
  const { host, passthrough } = loopback[family];
  const owners = [`--uid-owner ${options.proxyUid}`, `--gid-owner ${options.proxyGid}`];
  const ofFamily = (cidrs: string[]) => cidrs.filter((cidr) => cidrFamily(cidr) === family);
  const include = options.includeOutboundCidrs;
  const lines = [
    '*nat',
    ...chains.map((chain) => `:${chain} - [0:0]`),
    ...installed.jumps.map((jump) => jump.replace(/^-A /, '-D ')),
    `-A PILOTFISH_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${options.inboundPort}`,
    `-A PILOTFISH_REDIRECT -p tcp -j REDIRECT --to-ports ${options.outboundPort}`,
    ...options.excludeInboundPorts.map((port) => `-A PILOTFISH_INBOUND -p tcp --dport ${port} -j RETURN`),
    '-A PILOTFISH_INBOUND -p tcp -j PILOTFISH_IN_REDIRECT',
    '-A PREROUTING -p tcp -j PILOTFISH_INBOUND',
    // The sidecar's inbound side connects to the app from this address, so it is never captured again.
    `-A PILOTFISH_OUTPUT -o lo -s ${passthrough} -j RETURN`,
    ...owners.flatMap((owner) => [
      // The proxy calling its own pod's address goes through the inbound side, as a call from outside would.
      `-A PILOTFISH_OUTPUT -o lo ! -d ${host} -m owner ${owner} -j PILOTFISH_IN_REDIRECT`,
      `-A PILOTFISH_OUTPUT -o lo -m owner ! ${owner} -j RETURN`,
      `-A PILOTFISH_OUTPUT -m owner ${owner} -j RETURN`,
    ]),
    `-A PILOTFISH_OUTPUT -d ${host} -j RETURN`,
    ...options.excludeOutboundPorts.map((port) => `-A PILOTFISH_OUTPUT -p tcp --dport ${port} -j RETURN`),
    ...ofFamily(options.excludeOutboundCidrs).map((cidr) => `-A PILOTFISH_OUTPUT -d ${cidr} -j RETURN`),
    ...(include === '*'
      ? ['-A PILOTFISH_OUTPUT -j PILOTFISH_REDIRECT']
      : ofFamily(include).map((cidr) => `-A PILOTFISH_OUTPUT -d ${cidr} -j PILOTFISH_REDIRECT`)),
    '-A OUTPUT -p tcp -j PILOTFISH_OUTPUT',
    'COMMIT',
  ];
  return `${lines.join('\n')}\n`;
}

/** What --dry-run prints: the text for each family, as applied to a namespace without our rules. */
export function renderDryRun(options: InterceptOptions): string {
  const none = { chains: [], jumps: [] };
  return ([4, 6] as const)
    .map(
      (family) =>
        `# ${family === 4 ? 'iptables' : 'ip6tables'}-restore --noflush\n${renderInstall(options, family, none)}`,
    )
    .join('');
}

/** The restore text that removes what `installed` lists; empty when there is nothing of ours. */
export function renderCleanup(installed: InstalledRules): string {
  if (installed.chains.length === 0 && installed.jumps.length === 0) return '';
  const lines = [
    '*nat',
    ...installed.chains.map((chain) => `:${chain} - [0:0]`),
    ...installed.jumps.map((jump) => jump.replace(/^-A /, '-D ')),
    ...installed.chains.map((chain) => `-X ${chain}`),
    'COMMIT',
  ];
  return `${lines.join('\n')}\n`;
}
