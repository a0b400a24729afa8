// Who a TCP app's inbound connection came from, for Istio's TCP metrics: the verified peer of a
// mutual TLS connection (its service, source_principal, connection_security_policy "mutual_tls"),
// else unknown. Made once per connection, when it is proxied.
import type { Socket } from 'node:net';
import type { TcpMetrics, TcpPeers } from '../telemetry/tcp-metrics.js';
import type { TcpTelemetry } from '../tcp-proxy/tcp-connection.js';
import { verifiedPeer } from './source-identity.js';

export function inboundTcpTelemetry(metrics: TcpMetrics, destinationFqdn: string): (socket: Socket) => TcpTelemetry {
  const unknown: TcpTelemetry = { metrics, peers: { reporter: 'destination', source: 'unknown', destinationFqdn } };
  return (socket) => {
    const peer = verifiedPeer(socket);
    if (peer === undefined) return unknown;
    const peers: TcpPeers = { ...unknown.peers, source: peer.service, sourcePrincipal: peer.spiffeId };
    return { metrics, peers };
  };
}
