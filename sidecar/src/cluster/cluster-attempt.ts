// One attempt on one endpoint: undici's (or the h2 client's) handler below, and the controller the
// layers above hold. When the transport is done with it, it tells its pick how it went
// (onAttemptEnd: the breaker admission ends, outlier detection counts it). It keeps the endpoint's
// counters, turns transport errors into UpstreamFailures, and once the layers above have heard how
// it ended (or aborted it), tells them nothing more.
import type { Dispatcher } from 'undici';
import { UpstreamFailure } from '../http/upstream-failure.js';
import { TLS_CONNECT_FAILURE } from '../upstream/upstream-tls.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { Cluster } from './cluster.js';
import type { EndpointPick } from './cluster-endpoint.js';
import type { ExchangeHandler } from './cluster-request.js';

// Errors that mean no connection was made: nothing reached the app, so the endpoint is the cause.
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  TLS_CONNECT_FAILURE,
]);

const OUTCOME_TIMEOUT: AttemptOutcome = { kind: 'timeout' };
const OUTCOME_RESET: AttemptOutcome = { kind: 'reset' };
const OUTCOME_CONNECT_FAILURE: AttemptOutcome = { kind: 'connect-failure' };

type TransportError = Error & { code?: string; cause?: { code?: string } };

export class ClusterAttempt implements Dispatcher.DispatchHandler, Dispatcher.DispatchController {
  #controller: Dispatcher.DispatchController | undefined;
  #reason: Error | null = null;
  #isPaused = false;
  /** Response headers went up: later failures are no outcome of the endpoint's. */
  #isResponding = false;
  /** The layers above know how the attempt ended (or ended it). */
  #isSettled = false;
  /** The transport is done with it (its response ended or failed). */
  #isFinished = false;
  /** How the attempt went for its endpoint, as first seen; undefined: cut short by the caller. */
  #outcome: AttemptOutcome | undefined;

  constructor(
    readonly cluster: Cluster,
    readonly pick: EndpointPick,
    readonly handler: ExchangeHandler,
  ) {
    const { host } = pick.endpoint;
    host.requests++;
    host.activeRequests++;
  }

  get aborted(): boolean {
    return this.#reason !== null;
  }

  get paused(): boolean {
    return this.#isPaused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  /** Ends the attempt for the layers above at once; the transport stops it when it can. */
  abort(reason: Error): void {
    if (this.#reason !== null) return;
    this.#reason = reason;
    if (!this.#isSettled) {
      this.#isSettled = true;
      // A timeout before any response counts against the endpoint; the caller leaving does not.
      if (!this.#isResponding && reason instanceof UpstreamFailure && reason.flag === 'UT')
        this.#outcome = OUTCOME_TIMEOUT;
      this.handler.onResponseError(this, reason);
    }
    // The transport's own report of the abort finds the attempt settled.
    if (!this.#isFinished) this.#controller?.abort(reason);
  }

  pause(): void {
    this.#isPaused = true;
    this.#controller?.pause();
  }

  resume(): void {
    this.#isPaused = false;
    this.#controller?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#reason !== null) controller.abort(this.#reason);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    // 1xx informational responses (103 Early Hints) are not relayed, as Envoy's default.
    if (statusCode < 200 || this.#isSettled) return;
    this.#isResponding = true;
    this.#outcome = { kind: 'response', status: statusCode };
    this.handler.onResponseStart(this, statusCode, headers, statusMessage);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#isSettled) this.handler.onResponseData(this, chunk);
  }

  onResponseEnd(
    _controller: Dispatcher.DispatchController,
    trailers: Record<string, string | string[] | undefined>,
  ): void {
    this.#finish();
    if (this.#isSettled) return;
    this.#isSettled = true;
    this.handler.onResponseEnd(this, trailers);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: TransportError): void {
    if (this.#isFinished) return;
    // Classified before the attempt ends, so its outcome is known then.
    const failure = this.#isSettled ? undefined : this.#failure(error);
    this.#finish();
    if (failure === undefined) return;
    this.#isSettled = true;
    this.handler.onResponseError(this, failure);
  }

  #finish(): void {
    this.#isFinished = true;
    this.pick.endpoint.host.activeRequests--;
    this.pick.onAttemptEnd(this.#outcome);
  }

  /** What the error means for the caller and the retry policy; counted against the endpoint before a response. */
  #failure(error: TransportError): UpstreamFailure {
    const { host } = this.pick.endpoint;
    const cluster = this.cluster.name;
    const code = error.code ?? error.name;
    if (code === 'UND_ERR_INVALID_ARG')
      return new UpstreamFailure(
        400,
        '-',
        `request cannot be forwarded to ${host.key} (cluster "${cluster}"): ${error.message}`,
        undefined,
      );
    const isConnectFailure = CONNECT_FAILURES.has(code);
    if (!this.#isResponding) {
      if (isConnectFailure) host.connectFailures++;
      else host.resets++;
      this.#outcome = isConnectFailure ? OUTCOME_CONNECT_FAILURE : OUTCOME_RESET;
    }
    if (isConnectFailure)
      // Envoy's UF: upstream connection failure.
      return new UpstreamFailure(
        503,
        'UF',
        `upstream connect error: ${code} connecting to ${host.key} (cluster "${cluster}")`,
        'connect-failure',
      );
    const cause = error.cause?.code === undefined ? error.message : `${error.message}, ${error.cause.code}`;
    // Envoy's UC: upstream connection termination.
    return new UpstreamFailure(
      502,
      'UC',
      `upstream reset before response headers: ${code} (${cause}) from ${host.key} (cluster "${cluster}")`,
      code === 'REFUSED_STREAM' ? 'refused-stream' : 'reset',
    );
  }
}
