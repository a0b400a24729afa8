// One request's exchange with a cluster: attempts on endpoints the cluster picks, the route's
// timeout and per-try timeout, retries with backoff within the cluster's retry budget, and the
// response streamed back with backpressure both ways, trailers included. A retried attempt's
// response is drained and dropped, never relayed; once response headers are relayed, the request
// is committed to them. HTTP/1.1 endpoints get undici's pool, HTTP/2 ones the host's h2 session.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { AttemptOutcome, Cluster } from '../cluster/cluster.js';
import type { ClusterEndpoint } from '../cluster/cluster-endpoint.js';
import { editResponseHeaders, type HeaderEdits } from '../router/header-edits.js';
import {
  backoffMs,
  isRetriableFailure,
  isRetriableGrpcStatus,
  isRetriableStatus,
  retriesOnGrpcStatus,
  type AttemptFailure,
  type RetryPolicy,
} from '../router/retry-policy.js';
import { exchangeOf, type Exchange, type ResponseFlag } from '../telemetry/exchange.js';
import { endTrailersOnly, localReply, resetResponse } from './local-reply.js';
import { downstreamResponseHeaders, type ResponseHeaders } from './proxy-headers.js';
import { ReplayableBody } from './replayable-body.js';

// Errors that mean no connection was made: nothing reached the app, so the endpoint is the cause.
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

const OUTCOME_TIMEOUT: AttemptOutcome = { kind: 'timeout' };
const OUTCOME_RESET: AttemptOutcome = { kind: 'reset' };
const OUTCOME_CONNECT_FAILURE: AttemptOutcome = { kind: 'connect-failure' };

const kRequest = Symbol('upstream request');

/** The downstream response, carrying its upstream request so shared listeners need no per-request closure. */
type ProxiedResponse = ServerResponse & { [kRequest]?: UpstreamRequest };

export interface UpstreamRequestOptions {
  cluster: Cluster;
  method: string;
  path: string;
  /** Flat [name, value, …] list, Host included. */
  headers: string[];
  /** A Buffer or a ReplayableBody can be sent again (retries); a stream only once. */
  body: Buffer | ReplayableBody | Readable | null;
  /** Speak HTTP/2 to the endpoint (the cluster's protocol, or the downstream's). */
  isHttp2: boolean;
  hashKey: string | undefined;
  timeoutMs: number;
  /** The timeout is the caller's grpc-timeout, shorter than the route's. */
  isGrpcDeadline: boolean;
  /** Undefined when the route does not retry, or the request may not be retried. */
  retry: RetryPolicy | undefined;
  responseHeaders: HeaderEdits | undefined;
}

/** One exchange with one endpoint. Events of an attempt the request has moved on from are ignored. */
class Attempt implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Its response is being drained and dropped (it is retried), or it was aborted. */
  isAbandoned = false;
  isDone = false;

  constructor(
    readonly request: UpstreamRequest,
    readonly endpoint: ClusterEndpoint,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    // 1xx informational responses (103 Early Hints) are not relayed, as Envoy's default.
    if (statusCode < 200 || this.isAbandoned) return;
    this.request.onResponseStart(this, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.isAbandoned) return;
    const { exchange } = this.request;
    if (exchange !== undefined) exchange.responseBytes += chunk.length;
    if (!this.request.res.write(chunk)) controller.pause();
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: ResponseHeaders): void {
    this.#done();
    if (!this.isAbandoned) this.request.onResponseEnd(trailers);
  }

  onResponseError(
    _controller: Dispatcher.DispatchController,
    error: Error & { code?: string; cause?: { code?: string } },
  ): void {
    if (this.isDone) return;
    this.#done();
    if (!this.isAbandoned) this.request.onAttemptError(this, error);
  }

  abandon(): void {
    this.isAbandoned = true;
    clearTimeout(this.timer);
  }

  abort(reason: string): void {
    this.abandon();
    if (!this.isDone) this.controller?.abort(new Error(reason));
  }

  #done(): void {
    this.isDone = true;
    clearTimeout(this.timer);
    this.endpoint.host.stats.active--;
  }
}

function hasEntries(record: object): boolean {
  for (const _name in record) return true;
  return false;
}

/** Whether the body can be sent again: a plain stream was sent once and is gone. */
function isReplayable(body: UpstreamRequestOptions['body']): boolean {
  if (body instanceof ReplayableBody) return body.isReplayable;
  return body === null || Buffer.isBuffer(body);
}

function onPerTryTimeout(attempt: Attempt): void {
  attempt.request.onPerTryTimeout(attempt);
}

function onRouteTimeout(request: UpstreamRequest): void {
  request.onRouteTimeout();
}

function onRetryDue(request: UpstreamRequest): void {
  request.startAttempt();
}

function onDownstreamDrain(this: ProxiedResponse): void {
  this[kRequest]?.attempt?.controller?.resume();
}

function onDownstreamClose(this: ProxiedResponse): void {
  // The caller went away: stop the upstream request too, rather than let it run for no one.
  this[kRequest]?.onDownstreamClose();
}

export class UpstreamRequest {
  attempt: Attempt | undefined;
  /** Where telemetry reads what this request relayed. */
  readonly exchange: Exchange | undefined;
  #attempts = 0;
  #isDone = false;
  #holdsRetry = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly options: UpstreamRequestOptions,
  ) {
    this.exchange = exchangeOf(res);
  }

  /** Call once the cluster admitted the request; it is released when the exchange ends. */
  start(): void {
    const res: ProxiedResponse = this.res;
    res[kRequest] = this;
    res.on('drain', onDownstreamDrain);
    res.on('close', onDownstreamClose);
    if (this.options.timeoutMs > 0) this.#timer = setTimeout(onRouteTimeout, this.options.timeoutMs, this);
    this.startAttempt();
  }

  startAttempt(): void {
    if (this.#isDone) return;
    const { cluster } = this.options;
    const endpoint = cluster.pick(this.options.hashKey, this.attempt?.endpoint);
    if (endpoint === undefined) {
      // Envoy's UH: no healthy upstream.
      this.#reply(503, `no healthy endpoint for cluster "${cluster.name}"`, 'UH');
      return;
    }
    const attempt = new Attempt(this, endpoint);
    this.attempt = attempt;
    this.#attempts++;
    if (this.exchange !== undefined) {
      this.exchange.upstreamHost = endpoint.host.key;
      this.exchange.attempts = this.#attempts;
    }
    const stats = endpoint.host.stats;
    stats.requests++;
    stats.active++;
    const perTryTimeoutMs = this.options.retry?.perTryTimeoutMs ?? 0;
    if (perTryTimeoutMs > 0) attempt.timer = setTimeout(onPerTryTimeout, perTryTimeoutMs, attempt);
    const dispatcher = this.options.isHttp2 ? endpoint.host.h2 : endpoint.host.dispatcher;
    const { body } = this.options;
    dispatcher.dispatch(
      {
        method: this.options.method,
        path: this.options.path,
        headers: this.options.headers,
        body: body instanceof ReplayableBody ? body.open() : body,
      },
      attempt,
    );
  }

  onResponseStart(
    attempt: Attempt,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage: string | undefined,
  ): void {
    clearTimeout(attempt.timer);
    this.options.cluster.recordOutcome(attempt.endpoint, { kind: 'response', status: statusCode });
    const { retry } = this.options;
    if (retry !== undefined && isRetriableStatus(retry, statusCode) && this.#retry(attempt)) return;
    // gRPC puts grpc-status in the response headers only when they are the whole answer.
    const grpcStatus = headers['grpc-status'];
    if (
      retry !== undefined &&
      retriesOnGrpcStatus(retry) &&
      isRetriableGrpcStatus(retry, grpcStatus) &&
      this.#retry(attempt)
    )
      return;
    const downstream = downstreamResponseHeaders(headers);
    if (this.options.responseHeaders !== undefined) editResponseHeaders(this.options.responseHeaders, downstream);
    // Should Node refuse a header here, the throw fails the attempt and it answers 502.
    if (grpcStatus !== undefined && this.options.isHttp2) {
      // Trailers-only: the answer is complete; anything a confused upstream sends after is dropped.
      attempt.isAbandoned = true;
      this.#finish();
      endTrailersOnly(this.res, statusCode, downstream);
    }
    // HTTP/2 has no status message (and Node warns when given one).
    else if (this.req.httpVersionMajor === 2) this.res.writeHead(statusCode, downstream);
    else this.res.writeHead(statusCode, statusMessage, downstream);
  }

  onResponseEnd(trailers: ResponseHeaders): void {
    this.#finish();
    if (hasEntries(trailers)) {
      // The downstream gets them when it can carry them: HTTP/2, or a chunked HTTP/1.1 response.
      this.res.addTrailers(trailers);
      const grpcStatus = trailers['grpc-status'];
      if (this.exchange !== undefined && typeof grpcStatus === 'string') this.exchange.grpcStatus = grpcStatus;
    }
    this.res.end();
  }

  onAttemptError(attempt: Attempt, error: Error & { code?: string; cause?: { code?: string } }): void {
    if (this.#isDone) return;
    if (this.res.headersSent || this.res.destroyed) {
      // Mid-response, or the downstream already left: cut the downstream connection.
      this.#finish();
      resetResponse(this.res);
      return;
    }
    const { host } = attempt.endpoint;
    const code = error.code ?? error.name;
    if (code === 'UND_ERR_INVALID_ARG') {
      this.#reply(
        400,
        `request cannot be forwarded to ${host.key} (cluster "${this.options.cluster.name}"): ${error.message}`,
      );
      return;
    }
    const isConnectFailure = CONNECT_FAILURES.has(code);
    if (isConnectFailure) host.stats.connectFailures++;
    else host.stats.resets++;
    this.options.cluster.recordOutcome(attempt.endpoint, isConnectFailure ? OUTCOME_CONNECT_FAILURE : OUTCOME_RESET);
    if (this.#retryFailure(attempt, isConnectFailure ? 'connect-failure' : 'reset')) return;
    if (isConnectFailure) {
      // Envoy's UF: upstream connection failure.
      this.#reply(
        503,
        `upstream connect error: ${code} connecting to ${host.key} (cluster "${this.options.cluster.name}")`,
        'UF',
      );
      return;
    }
    const cause = error.cause?.code === undefined ? error.message : `${error.message}, ${error.cause.code}`;
    // Envoy's UC: upstream connection termination.
    this.#reply(
      502,
      `upstream reset before response headers: ${code} (${cause}) from ${host.key} (cluster "${this.options.cluster.name}")`,
      'UC',
    );
  }

  onPerTryTimeout(attempt: Attempt): void {
    if (this.#isDone || attempt !== this.attempt) return;
    attempt.abort('per-try timeout');
    this.options.cluster.recordOutcome(attempt.endpoint, OUTCOME_TIMEOUT);
    if (this.res.headersSent) return;
    if (this.#retryFailure(attempt, 'timeout')) return;
    // Envoy's UT: upstream request timeout.
    this.#reply(
      504,
      `upstream request timeout: no response from ${attempt.endpoint.host.key} within the per-try timeout of ${this.options.retry?.perTryTimeoutMs} ms (cluster "${this.options.cluster.name}")`,
      'UT',
    );
  }

  onRouteTimeout(): void {
    if (this.#isDone) return;
    const attempt = this.attempt;
    if (attempt !== undefined && !attempt.isDone && !this.res.headersSent)
      this.options.cluster.recordOutcome(attempt.endpoint, OUTCOME_TIMEOUT);
    attempt?.abort('route timeout');
    const within = this.options.isGrpcDeadline
      ? `the caller's grpc-timeout of ${this.options.timeoutMs} ms`
      : `the route timeout of ${this.options.timeoutMs} ms`;
    // Envoy's UT: upstream request timeout.
    this.#reply(
      504,
      `upstream request timeout: no complete response within ${within} (cluster "${this.options.cluster.name}")`,
      'UT',
    );
  }

  onDownstreamClose(): void {
    if (this.#isDone) return;
    this.attempt?.abort('downstream closed the connection');
    this.#finish();
  }

  #retryFailure(attempt: Attempt, failure: AttemptFailure): boolean {
    const { retry } = this.options;
    return retry !== undefined && isRetriableFailure(retry, failure) && this.#retry(attempt);
  }

  /** Schedules the next attempt if the policy and the cluster's retry budget allow one. */
  #retry(attempt: Attempt): boolean {
    const { retry, cluster, body } = this.options;
    if (retry === undefined || this.#attempts > retry.numRetries) return false;
    if (!isReplayable(body)) return false;
    // As Envoy's retry state: the retry this request held ends, and each retry sent is admitted
    // (and counted) anew.
    if (this.#holdsRetry) cluster.releaseRetry();
    this.#holdsRetry = cluster.admitRetry();
    if (!this.#holdsRetry) return false;
    attempt.abandon();
    setTimeout(onRetryDue, backoffMs(retry, this.#attempts), this);
    return true;
  }

  #reply(status: number, message: string, flag?: ResponseFlag): void {
    this.#finish();
    localReply(this.res, status, message, flag);
  }

  #finish(): void {
    if (this.#isDone) return;
    this.#isDone = true;
    clearTimeout(this.#timer);
    this.options.cluster.releaseRequest();
    if (this.#holdsRetry) this.options.cluster.releaseRetry();
  }
}
