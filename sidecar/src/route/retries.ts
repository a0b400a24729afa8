// The retry layer: sends a request again, on another endpoint when there is one, when an attempt
// fails in a way the route's retry policy names (a status, a gRPC status of a trailers-only answer,
// a reset, a connect failure, a per-try timeout), while the policy's count, the body (still held)
// and the cluster's retry budget allow, after Envoy's jittered backoff. A retried attempt's
// response is drained and dropped, never relayed; once response headers go up, the request is
// committed to them. To the layer above it is one exchange with one controller.
import type { Dispatcher } from 'undici';
import type { ExchangeHandler } from '../cluster/cluster-request.js';
import {
  backoffMs,
  isRetriableFailure,
  isRetriableGrpcStatus,
  isRetriableStatus,
  retriesOnGrpcStatus,
  type RetryPolicy,
} from '../http/retry-policy.js';
import { UpstreamFailure } from '../http/upstream-failure.js';
import { ReplayableBody } from '../upstream/replayable-body.js';
import type { ForwardedRequest, RouteDispatch, RouteLayer } from './forwarded-request.js';

export function retries(policy: RetryPolicy): RouteLayer {
  return (next: RouteDispatch): RouteDispatch =>
    (request, handler) => {
      if (!request.mayRetry) {
        next(request, handler);
        return;
      }
      new RetriedRequest(next, policy, request, handler).attempt();
    };
}

/** Whether the body can be sent again: a plain stream was sent once and is gone. */
function isReplayable(body: ForwardedRequest['body']): boolean {
  if (body instanceof ReplayableBody) return body.isReplayable;
  return body === null || Buffer.isBuffer(body);
}

function onRetryDue(request: RetriedRequest): void {
  request.attempt();
}

class RetriedRequest implements ExchangeHandler, Dispatcher.DispatchController {
  /** The attempt in flight; undefined while waiting to retry. Events of any other are dropped. */
  #current: Dispatcher.DispatchController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reason: Error | null = null;
  #isStarted = false;
  #isResponding = false;
  #holdsRetry = false;

  constructor(
    readonly next: RouteDispatch,
    readonly policy: RetryPolicy,
    readonly request: ForwardedRequest,
    readonly handler: ExchangeHandler,
  ) {}

  get aborted(): boolean {
    return this.#reason !== null;
  }

  get paused(): boolean {
    return this.#current?.paused ?? false;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  attempt(): void {
    if (this.#reason !== null) return;
    this.next(this.request, this);
  }

  abort(reason: Error): void {
    if (this.#reason !== null) return;
    this.#reason = reason;
    clearTimeout(this.#timer);
    if (this.#current !== undefined) {
      // Its failure comes back up through onResponseError.
      this.#current.abort(reason);
      return;
    }
    this.#release();
    this.handler.onResponseError(this, reason);
  }

  pause(): void {
    this.#current?.pause();
  }

  resume(): void {
    this.#current?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#current = controller;
    if (this.#isStarted) return;
    this.#isStarted = true;
    this.handler.onRequestStart(this, context);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    if (controller !== this.#current) return;
    const { policy } = this;
    if (isRetriableStatus(policy, statusCode) && this.#retry()) return;
    // gRPC puts grpc-status in the response headers only when they are the whole answer.
    if (retriesOnGrpcStatus(policy) && isRetriableGrpcStatus(policy, headers['grpc-status']) && this.#retry()) return;
    this.#isResponding = true;
    this.handler.onResponseStart(this, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (controller === this.#current) this.handler.onResponseData(this, chunk);
  }

  onResponseEnd(
    controller: Dispatcher.DispatchController,
    trailers: Record<string, string | string[] | undefined>,
  ): void {
    if (controller !== this.#current) return;
    this.#release();
    this.handler.onResponseEnd(this, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    if (controller !== this.#current) return;
    if (
      this.#reason === null &&
      !this.#isResponding &&
      error instanceof UpstreamFailure &&
      error.failure !== undefined &&
      isRetriableFailure(this.policy, error.failure) &&
      this.#retry()
    )
      return;
    this.#release();
    this.handler.onResponseError(this, error);
  }

  /** Schedules the next attempt if the policy, the body and the cluster's retry budget allow one. */
  #retry(): boolean {
    const { policy, request } = this;
    if (request.attempts > policy.numRetries || !isReplayable(request.body)) return false;
    // As Envoy's retry state: the retry this request held ends, and each retry sent is admitted
    // (and counted) anew.
    if (this.#holdsRetry) request.cluster.releaseRetry();
    this.#holdsRetry = request.cluster.admitRetry();
    if (!this.#holdsRetry) return false;
    // The attempt left behind drains unheard.
    this.#current = undefined;
    this.#timer = setTimeout(onRetryDue, backoffMs(policy, request.attempts), this);
    return true;
  }

  #release(): void {
    if (!this.#holdsRetry) return;
    this.#holdsRetry = false;
    this.request.cluster.releaseRetry();
  }
}
