// Answers the proxy makes itself (Envoy's local replies): plain text naming what went wrong and
// where. Here, in the lowest layer, so every layer above can answer without reaching upwards.
import type { ServerResponse } from 'node:http';

export function localReply(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    // Half a response is already out: a reset is the only honest signal left.
    res.destroy();
    return;
  }
  const body = `${message}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
