// The caller as its certificate says, for the app and for telemetry: on an inbound listener that
// speaks mutual TLS, x-pilotfish-source is the verified peer's service (the subject CN the
// control plane's issuer puts there, else the SPIFFE ID's service account), whatever the client
// sent; a plaintext client, or one that forged it, gets the header removed.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SOURCE_HEADER } from '../http/source-header.js';
import { peerIdentity } from '../http/peer-identity.js';

export interface VerifiedPeer {
  spiffeId: string;
  service: string;
}

// Read once per connection: every request on a kept-alive connection is the same peer.
const peers = new WeakMap<Socket, VerifiedPeer | null>();

/** The verified peer of `socket` (the connection itself, not an h2 stream's proxy of it); undefined for plaintext. */
export function verifiedPeer(socket: Socket): VerifiedPeer | undefined {
  let peer = peers.get(socket);
  if (peer === undefined) {
    const spiffeId = peerIdentity(socket);
    const cn = spiffeId === undefined ? undefined : (socket as TLSSocket).getPeerCertificate().subject?.CN;
    peer =
      spiffeId === undefined
        ? null
        : { spiffeId, service: typeof cn === 'string' && cn !== '' ? cn : (spiffeId.split('/sa/')[1] ?? 'unknown') };
    peers.set(socket, peer);
  }
  return peer ?? undefined;
}

export function setVerifiedSource(req: IncomingMessage, peer: VerifiedPeer | undefined): void {
  const sent = req.headers[SOURCE_HEADER];
  // The caller's sidecar names its own service, which its certificate says: the header stands as
  // sent (deleting it would also leave the headers object slower for every later lookup).
  if (peer !== undefined && sent === peer.service) return;
  if (sent !== undefined) {
    delete req.headers[SOURCE_HEADER];
    const raw = req.rawHeaders;
    for (let i = raw.length - 2; i >= 0; i -= 2) if (raw[i]?.toLowerCase() === SOURCE_HEADER) raw.splice(i, 2);
  }
  if (peer === undefined) return;
  req.headers[SOURCE_HEADER] = peer.service;
  req.rawHeaders.push(SOURCE_HEADER, peer.service);
}
