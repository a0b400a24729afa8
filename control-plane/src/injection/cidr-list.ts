// Comma-separated IP addresses and CIDRs (`10.0.0.0/8, fd00::/8, 192.168.1.1`), as init-iptables flags
// and the traffic annotations give them; a bare address becomes a /32 or /128.
import { isIP } from 'node:net';

/** Parses `value`; throws naming `where` (a flag or an annotation) and the entry that is not a CIDR. */
export function parseCidrs(value: string, where: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [address = '', prefix, extra] = entry.split('/');
      const family = isIP(address);
      const max = family === 6 ? 128 : 32;
      const bits = prefix === undefined ? max : Number(prefix);
      if (family === 0 || extra !== undefined || !/^\d*$/.test(prefix ?? '') || bits < 0 || bits > max)
        throw new Error(`${where}: "${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)`);
      return `${address}/${bits}`;
    });
}
