// Marks a request that came as an upgrade (its connection is to become a tunnel), with the bytes
// the client sent past its headers. Here, in the lowest layer, so the listener that marks it and
// the router and tunnel that read it need not reach upwards.
import type { IncomingMessage } from 'node:http';

const kHead = Symbol('upgrade head');

type UpgradeRequest = IncomingMessage & { [kHead]?: Buffer };

export function markUpgrade(req: IncomingMessage, head: Buffer): void {
  (req as UpgradeRequest)[kHead] = head;
}

export function isUpgrade(req: IncomingMessage): boolean {
  return (req as UpgradeRequest)[kHead] !== undefined;
}

/** The bytes the client sent after the upgrade request's headers (the start of the tunnel). */
export function upgradeHeadOf(req: IncomingMessage): Buffer | undefined {
  return (req as UpgradeRequest)[kHead];
}
