// Forwards one request to one upstream host over its pooled keep-alive connections (undici
// dispatch) and streams the response back: backpressure both ways, no body buffered.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { localReply } from './local-reply.js';
import { downstreamResponseHeaders, upstreamRequestHeaders, type ResponseHeaders } from './proxy-headers.js';
import type { UpstreamHost } from './upstream-host.js';

// Errors that mean no connection was made: nothing reached the app, so the endpoint is the cause.
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

const kForward = Symbol('forward');

/** The downstream response, carrying its forward so shared listeners need no per-request closure. */
type ProxiedResponse = ServerResponse & { [kForward]?: Forward };

class Forward implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | undefined;
  isDone = false;

  constructor(
    readonly res: ProxiedResponse,
    readonly host: UpstreamHost,
    readonly cluster: string,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders, statusMessage?: string): void {
    // 1xx informational responses (103 Early Hints) are not relayed, as Envoy's default. Should
    // Node refuse a header here, undici fails the request and onResponseError answers 502.
    if (statusCode < 200) return;
    this.res.writeHead(statusCode, statusMessage, downstreamResponseHeaders(headers));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.#finish();
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error & { code?: string; cause?: { code?: string } }): void {
    if (this.isDone) return;
    this.#finish();
    if (this.res.headersSent || this.res.destroyed) {
      // Mid-response, or the downstream already left: cut the downstream connection.
      this.res.destroy();
      return;
    }
    const code = error.code ?? error.name;
    if (CONNECT_FAILURES.has(code)) {
      this.host.stats.connectFailures++;
      // Envoy's UF: upstream connection failure.
      localReply(this.res, 503, `upstream connect error: ${code} connecting to ${this.host.key} (cluster "${this.cluster}")`);
      return;
    }
    if (code === 'UND_ERR_INVALID_ARG') {
      localReply(this.res, 400, `request cannot be forwarded to ${this.host.key} (cluster "${this.cluster}"): ${error.message}`);
      return;
    }
    this.host.stats.resets++;
    const cause = error.cause?.code === undefined ? error.message : `${error.message}, ${error.cause.code}`;
    // Envoy's UC: upstream connection termination.
    localReply(this.res, 502, `upstream reset before response headers: ${code} (${cause}) from ${this.host.key} (cluster "${this.cluster}")`);
  }

  #finish(): void {
    this.isDone = true;
    this.host.stats.active--;
  }
}

function onDownstreamDrain(this: ProxiedResponse): void {
  this[kForward]?.controller?.resume();
}

function onDownstreamClose(this: ProxiedResponse): void {
  const forward = this[kForward];
  // The caller went away: stop the upstream request too, rather than let it run for no one.
  if (forward !== undefined && !forward.isDone) forward.controller?.abort(new Error('downstream closed the connection'));
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return length === undefined ? req.headers['transfer-encoding'] !== undefined : length !== '0';
}

/** Sends `req` to `host` as `path` with Host `authority`, and streams the answer into `res`. */
export function forward(req: IncomingMessage, res: ServerResponse, host: UpstreamHost, cluster: string, authority: string, path: string): void {
  const handler = new Forward(res, host, cluster);
  const proxied: ProxiedResponse = res;
  proxied[kForward] = handler;
  res.on('drain', onDownstreamDrain);
  res.on('close', onDownstreamClose);
  host.stats.requests++;
  host.stats.active++;
  host.dispatcher.dispatch(
    {
      method: req.method as Dispatcher.HttpMethod,
      path,
      headers: upstreamRequestHeaders(req.rawHeaders, authority, req.socket.remoteAddress),
      body: hasBody(req) ? req : null,
    },
    handler,
  );
}
