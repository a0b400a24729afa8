// A route's hash_policy: the key a ring hash balancer hashes to pick the same endpoint for the
// same caller (a header, a cookie or the source IP). As in Envoy, the policies are tried in order
// and the values found are combined; a terminal policy that yields a value ends the search.
import type { IncomingMessage } from 'node:http';

export type HashPolicy =
  | { kind: 'header'; name: string; terminal: boolean }
  | { kind: 'cookie'; name: string; terminal: boolean }
  | { kind: 'source-ip'; terminal: boolean };

/** Undefined when no policy found a value: the balancer then picks at random. */
export function hashKeyOf(policies: readonly HashPolicy[], req: IncomingMessage): string | undefined {
  let key: string | undefined;
  for (const policy of policies) {
    const value = valueOf(policy, req);
    if (value === undefined) continue;
    key = key === undefined ? value : `${key}\u0000${value}`;
    if (policy.terminal) break;
  }
  return key;
}

function valueOf(policy: HashPolicy, req: IncomingMessage): string | undefined {
  switch (policy.kind) {
    case 'header': {
      const value = req.headers[policy.name];
      return Array.isArray(value) ? value.join(',') : value;
    }
    case 'cookie':
      return cookieValue(req.headers.cookie, policy.name);
    case 'source-ip':
      return req.socket.remoteAddress;
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals !== -1 && pair.slice(0, equals).trim() === name) return pair.slice(equals + 1).trim();
  }
  return undefined;
}
