// The TLS server name a client asks for when it dials the control plane by IP address: SNI names
// hosts by DNS name only (RFC 6066 §3; Node warns DEP0123 for an IP), so an address goes as its
// reverse-DNS name (in-addr.arpa, ip6.arpa), and the certificate is checked for the address itself.
import { isIPv4, isIPv6 } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

const IPV4_SUFFIX = '.in-addr.arpa';
const IPV6_SUFFIX = '.ip6.arpa';

/** The name to send as SNI for `host`: its reverse-DNS name when it is an IP address, else undefined (the host itself). */
export function serverNameFor(host: string): string | undefined {
  if (isIPv4(host)) return host.split('.').reverse().join('.') + IPV4_SUFFIX;
  if (isIPv6(host)) return [...expandIPv6(host)].reverse().join('.') + IPV6_SUFFIX;
  return undefined;
}

/** tls.checkServerIdentity, with a reverse-DNS name from serverNameFor checked as the IP address it stands for (an IP SAN). */
export function checkServerName(name: string, certificate: PeerCertificate): Error | undefined {
  return checkServerIdentity(addressOf(name) ?? name, certificate);
}

function addressOf(name: string): string | undefined {
  if (name.endsWith(IPV4_SUFFIX)) {
    const address = name.slice(0, -IPV4_SUFFIX.length).split('.').reverse().join('.');
    return isIPv4(address) ? address : undefined;
  }
  if (!name.endsWith(IPV6_SUFFIX)) return undefined;
  const nibbles = name.slice(0, -IPV6_SUFFIX.length).split('.').reverse().join('');
  const address = nibbles.match(/.{4}/g)?.join(':') ?? '';
  return nibbles.length === 32 && isIPv6(address) ? address : undefined;
}

/** The 32 hex digits of an IPv6 address. */
function expandIPv6(address: string): string {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  // An embedded IPv4 address (::ffff:10.0.0.1) is two groups.
  const last = (tail === undefined ? left : right).at(-1);
  if (last !== undefined && isIPv4(last)) {
    const bytes = last.split('.').map(Number) as [number, number, number, number];
    const ipv4 = [(bytes[0] << 8) | bytes[1], (bytes[2] << 8) | bytes[3]].map((group) => group.toString(16));
    (tail === undefined ? left : right).splice(-1, 1, ...ipv4);
  }
  const zeros = Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...(tail === undefined ? [] : zeros), ...right].map((group) => group.padStart(4, '0')).join('');
}
