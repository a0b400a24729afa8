// A sidecar's inbound authorization as main wires it: the network RBAC a TCP app's connections pass
// (its inbound listener's, when a policy selects the service), and the RBAC filters alone of the
// inbound HTTP chain, which intercept mode puts before the app's other ports too.
import type { Cluster } from './cluster/cluster.js';
import { HttpFilterChain, NO_FILTERS } from './filters/http-filter-chain.js';
import { RbacFilter } from './filters/rbac-filter.js';
import { isConnectionAllowed, type RbacEngine } from './filters/rbac.js';
import { destinationPort } from './http/destination-port.js';
import { peerIdentity } from './http/peer-identity.js';
import type { TcpRoute } from './tcp-proxy/tcp-connection.js';

// Istio's default idle timeout of TCP connections, for the inbound side of a TCP app.
const INBOUND_TCP_IDLE_TIMEOUT_MS = 3_600_000;

/** The route of a TCP app's inbound connections: their bytes to the app, once its network RBAC (if any) lets them in. */
export function inboundTcpRoute(app: Cluster, rbac: readonly RbacEngine[]): TcpRoute {
  return {
    cluster: app,
    clusterName: app.name,
    idleTimeoutMs: INBOUND_TCP_IDLE_TIMEOUT_MS,
    maxConnectAttempts: 1,
    authorize:
      rbac.length === 0
        ? undefined
        : (socket) => isConnectionAllowed(rbac, peerIdentity(socket), destinationPort(socket)),
  };
}

/** The RBAC filters of `chain` alone (the same chain when it holds nothing else). */
export function authorizationOf(chain: HttpFilterChain | undefined): HttpFilterChain {
  const rbac = chain?.filters.filter((filter) => filter instanceof RbacFilter) ?? [];
  if (rbac.length === 0) return NO_FILTERS;
  return rbac.length === chain?.filters.length ? chain : new HttpFilterChain(rbac);
}
