// Forwards one request to one upstream host over its pooled keep-alive connections (undici
// dispatch) and streams the response back, with backpressure both ways and nothing buffered.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { localReply } from '../listeners/local-reply.js';
import { downstreamResponseHeaders } from './headers.js';
import type { UpstreamHost } from './upstream-host.js';

// Errors that mean no connection was made: nothing reached the app, so the cause is the endpoint.
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND']);

class ForwardHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly host: UpstreamHost,
    private readonly cluster: string,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // The caller went away: stop the upstream request too, rather than let it run for no one.
    this.res.once('close', this.#onDownstreamClose);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    this.res.writeHead(statusCode, statusMessage, downstreamResponseHeaders(headers));
    this.res.on('drain', () => controller.resume());
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.#finish();
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error & { code?: string }): void {
    this.#finish();
    if (this.res.headersSent || this.res.destroyed) {
      this.res.destroy();
      return;
    }
    const code = error.code ?? error.name;
    if (CONNECT_FAILURES.has(code)) {
      this.host.stats.connectFailures++;
      // Envoy's UF (upstream connection failure).
      localReply(this.res, 503, `upstream connect error: ${code} connecting to ${this.host.key} (cluster "${this.cluster}")`);
    } else {
      this.host.stats.resets++;
      // Envoy's UC (upstream connection termination).
      localReply(this.res, 502, `upstream reset before response headers: ${code} from ${this.host.key} (cluster "${this.cluster}"): ${error.message}`);
    }
  }

  #onDownstreamClose = (): void => {
    if (!this.#done && !this.res.writableFinished) this.#controller?.abort(new Error('downstream closed the connection'));
  };

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.host.stats.active--;
  }
}

export function forward(req: IncomingMessage, res: ServerResponse, host: UpstreamHost, cluster: string, path: string, headers: string[]): void {
  host.stats.requests++;
  host.stats.active++;
  const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
  host.pool.dispatch(
    { method: req.method as Dispatcher.HttpMethod, path, headers, body: hasBody ? req : null },
    new ForwardHandler(res, host, cluster),
  );
}
