// The route timeout layer, top of a route's stack: the whole exchange, retries and backoff included,
// must end within the route's timeout (or the caller's shorter grpc-timeout), else it is aborted
// and the caller gets Envoy's UT: a 504, or, mid-response, a reset (gRPC: DEADLINE_EXCEEDED).
import type { Dispatcher } from 'undici';
import type { ExchangeHandler } from '../cluster/cluster-request.js';
import { UpstreamFailure } from '../http/upstream-failure.js';
import type { ForwardedRequest, RouteDispatch, RouteLayer } from './forwarded-request.js';
import { ForwardingHandler } from './forwarding-handler.js';

export const routeTimeout: RouteLayer =
  (next: RouteDispatch): RouteDispatch =>
  (request, handler) => {
    if (request.timeoutMs === 0) {
      next(request, handler);
      return;
    }
    next(request, new RouteTimeout(request, handler));
  };

function onTimeout(timeout: RouteTimeout): void {
  timeout.expire();
}

class RouteTimeout extends ForwardingHandler {
  readonly #timer: NodeJS.Timeout;
  #controller: Dispatcher.DispatchController | undefined;

  constructor(
    readonly request: ForwardedRequest,
    handler: ExchangeHandler,
  ) {
    super(handler);
    this.#timer = setTimeout(onTimeout, request.timeoutMs, this);
  }

  expire(): void {
    const { request } = this;
    const within = request.isGrpcDeadline
      ? `the caller's grpc-timeout of ${request.timeoutMs} ms`
      : `the route timeout of ${request.timeoutMs} ms`;
    // Envoy's UT: upstream request timeout.
    this.#controller?.abort(
      new UpstreamFailure(
        504,
        'UT',
        `upstream request timeout: no complete response within ${within} (cluster "${request.cluster.name}")`,
        undefined,
      ),
    );
  }

  override onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#controller = controller;
    super.onRequestStart(controller, context);
  }

  override onResponseEnd(
    controller: Dispatcher.DispatchController,
    trailers: Record<string, string | string[] | undefined>,
  ): void {
    clearTimeout(this.#timer);
    super.onResponseEnd(controller, trailers);
  }

  override onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    clearTimeout(this.#timer);
    super.onResponseError(controller, error);
  }
}
