// Delays between reconnect attempts to the control plane: exponential from a short first delay,
// capped at a few seconds, plus random jitter so a fleet does not reconnect in lockstep.
export interface ReconnectBackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Up to this fraction of the delay is added at random. */
  jitter?: number;
  /** Returns a number in [0, 1): Math.random, or a fixed sequence in tests. */
  random?: () => number;
}

export class ReconnectBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempts = 0;

  constructor({ initialMs = 250, maxMs = 2000, jitter = 0.5, random = Math.random }: ReconnectBackoffOptions = {}) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#jitter = jitter;
    this.#random = random;
  }

  /** The delay before the next attempt: each one doubles, up to the cap, plus jitter. */
  next(): number {
    const base = Math.min(this.#maxMs, this.#initialMs * 2 ** this.#attempts);
    this.#attempts = Math.min(this.#attempts + 1, 30);
    return Math.round(base * (1 + this.#jitter * this.#random()));
  }

  /** After a success: the next failure starts again from the first delay. */
  reset(): void {
    this.#attempts = 0;
  }
}

/**
 * grpc-js channel options for a control-plane client: the channel's own reconnect backoff
 * (1 s growing to 120 s by default) would keep it idle long after the control plane is back.
 */
export const CONTROL_PLANE_CHANNEL_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2000,
} as const;
