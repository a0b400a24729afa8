// The per-try timeout layer, below retries: an attempt without response headers within the retry
// policy's per_try_timeout is aborted as a timeout (Envoy's UT), which the retry layer above may
// retry on another endpoint; once headers come, the attempt may take until the route timeout.
import type { Dispatcher } from 'undici';
import type { ExchangeHandler } from '../cluster/cluster-request.js';
import { UpstreamFailure } from '../http/upstream-failure.js';
import type { ForwardedRequest, RouteDispatch, RouteLayer } from './forwarded-request.js';
import { ForwardingHandler } from './forwarding-handler.js';

export function perTryTimeout(timeoutMs: number): RouteLayer {
  return (next: RouteDispatch): RouteDispatch =>
    (request, handler) =>
      next(request, new PerTryTimeout(request, handler, timeoutMs));
}

function onTimeout(attempt: PerTryTimeout): void {
  attempt.expire();
}

class PerTryTimeout extends ForwardingHandler {
  #timer: NodeJS.Timeout | undefined;
  #controller: Dispatcher.DispatchController | undefined;

  constructor(
    readonly request: ForwardedRequest,
    handler: ExchangeHandler,
    readonly timeoutMs: number,
  ) {
    super(handler);
  }

  expire(): void {
    const { request } = this;
    // Envoy's UT: upstream request timeout.
    this.#controller?.abort(
      new UpstreamFailure(
        504,
        'UT',
        `upstream request timeout: no response from ${request.previous?.host.key} within the per-try timeout of ${this.timeoutMs} ms (cluster "${request.cluster.name}")`,
        'timeout',
      ),
    );
  }

  override onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#controller = controller;
    this.#timer = setTimeout(onTimeout, this.timeoutMs, this);
    super.onRequestStart(controller, context);
  }

  override onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    clearTimeout(this.#timer);
    super.onResponseStart(controller, statusCode, headers, statusMessage);
  }

  override onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    clearTimeout(this.#timer);
    super.onResponseError(controller, error);
  }
}
