// Answers the proxy makes itself (Envoy's local replies): plain text naming what went wrong and
// where. Here, in the lowest layer, so every layer above can answer without reaching upwards.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { exchangeOf, type ResponseFlag } from '../telemetry/exchange.js';

/** `flag`: Envoy's response flag for why the proxy answered itself, for metrics and logs. */
export function localReply(res: ServerResponse, status: number, message: string, flag: ResponseFlag = '-', headers?: OutgoingHttpHeaders): void {
  const exchange = exchangeOf(res);
  if (exchange !== undefined) exchange.flag = flag;
  if (res.headersSent) {
    // Half a response is already out: a reset is the only honest signal left.
    res.destroy();
    return;
  }
  const body = `${message}\n`;
  res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
