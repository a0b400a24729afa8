// The verified SPIFFE ID of a connection's peer: the one URI SAN of the client certificate that
// TLS checked against the trust bundle (an X.509-SVID). The source identity of mTLS traffic, for
// authorization and telemetry; anything else (plaintext, unverified, no or several URIs) has none.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

// A peer's certificate cannot change on a TLS 1.3 connection (no renegotiation): read it once per socket.
const identities = new WeakMap<Socket, string | null>();

export function peerIdentity(socket: Socket): string | undefined {
  let identity = identities.get(socket);
  if (identity === undefined) {
    identity = verifiedSpiffeId(socket);
    identities.set(socket, identity);
  }
  return identity ?? undefined;
}

function verifiedSpiffeId(socket: Socket): string | null {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return null;
  const san = socket.getPeerCertificate().subjectaltname;
  if (!san) return null;
  // Node lists SANs as `URI:x, DNS:y`, quoting (JSON) any value that holds a comma or quote.
  const uris = san.split(', ').filter((entry) => entry.startsWith('URI:'));
  const uri = uris.length === 1 ? (uris[0] as string).slice('URI:'.length) : undefined;
  return uri !== undefined && /^spiffe:\/\/[^/\s"]+\/\S*$/.test(uri) ? uri : null;
}
