// The names of the listeners the control plane builds for sidecars, and which of a group's
// listeners a sidecar serves: a contract the control plane (which sends a sidecar only those) and
// the sidecar (which holds only those) both read from here.

/** The listener of sidecars' outbound HTTP traffic (its route configuration has the same name). */
export const OUTBOUND_LISTENER = 'outbound';

/** What every outbound TCP listener's name starts with (`outbound|PORT||FQDN`, one per TCP port a Service declares). */
const TCP_LISTENER_PREFIX = 'outbound|';

/** The listener with a service's inbound policy, whose routes name the cluster `inbound`: the app. */
export function inboundListenerName(fqdn: string): string {
  return `inbound|${fqdn}`;
}

export function tcpListenerName(port: number, fqdn: string): string {
  return `${TCP_LISTENER_PREFIX}${port}||${fqdn}`;
}

/** Whether every sidecar serves listener `name`, whatever its service: `outbound` and the outbound TCP listeners. */
export function isSharedSidecarListener(name: string): boolean {
  return name === OUTBOUND_LISTENER || name.startsWith(TCP_LISTENER_PREFIX);
}

/**
 * Whether the sidecar whose inbound listener is `inboundName` serves listener `name`: the shared
 * ones and its own inbound listener. The others of its group (other services' inbound listeners,
 * the api_listeners of proxyless gRPC clients) are for other nodes.
 */
export function servesListener(inboundName: string): (name: string) => boolean {
  return (name) => name === inboundName || isSharedSidecarListener(name);
}
