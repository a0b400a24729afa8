// Istio's PassthroughCluster: an intercepted connection to a destination no service owns goes on
// to where it was sent, its bytes piped both ways as they come (a server that speaks first is
// heard at once), half-closes passed on. The proxy's uid is exempt from interception, so this
// connection is not captured again.
import { connect, type Socket } from 'node:net';
import type { OriginalDestination } from './original-destination.js';

// Istio's default connect timeout.
const CONNECT_TIMEOUT_MS = 10_000;

/** `downstream` arrives paused. */
export function passThrough(downstream: Socket, destination: OriginalDestination): void {
  const upstream = connect({
    host: destination.address,
    port: destination.port,
    noDelay: true,
    allowHalfOpen: true,
  });
  const close = (): void => {
    downstream.destroy();
    upstream.destroy();
  };
  upstream.setTimeout(CONNECT_TIMEOUT_MS, close);
  downstream.on('error', close);
  upstream.on('error', close);
  downstream.on('close', close);
  upstream.on('close', close);
  upstream.once('connect', () => {
    upstream.setTimeout(0);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
}
