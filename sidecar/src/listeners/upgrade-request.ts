// HTTP/1.1 upgrades (WebSocket) on a proxy listener: node:http hands an upgrade request over with
// its raw socket, outside the request path. This gives it a ServerResponse on that socket and sends
// it down the same path as any request (routing, local replies, telemetry, drain accounting); the
// bytes read past the headers wait on the request for the tunnel (route/upgrade-tunnel.ts), and
// the upgraded connections are cut when a drain ends.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { markUpgrade } from '../upstream/upgrade-head.js';

function closeAfterReply(this: ServerResponse): void {
  // A local reply ends the exchange: the connection was to be upgraded, so it is not kept alive.
  this.socket?.destroySoon();
}

/** The upgraded connections of one listener: node:http neither tracks nor closes them. */
export interface Upgrades {
  /** The node:http 'upgrade' listener: serves each upgrade request with `onRequest`. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Cuts every upgraded connection still open (at the end of a drain). */
  closeAll(): void;
}

export function acceptUpgrades(onRequest: (req: IncomingMessage, res: ServerResponse) => void): Upgrades {
  const open = new Set<Duplex>();
  return {
    accept(req, socket, head) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      // Nothing reads the socket until the tunnel pipes it: hold what the client sends meanwhile.
      socket.pause();
      markUpgrade(req, head);
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as Socket);
      res.on('finish', closeAfterReply);
      onRequest(req, res);
    },
    closeAll() {
      for (const socket of open) socket.destroy();
    },
  };
}
