// A token bucket as Envoy's local rate limit keeps it: full at the start, `tokensPerFill` more every
// `fillIntervalMs` up to `maxTokens`. Refilled lazily from the clock when asked, so an idle bucket
// costs nothing and no timer runs.

export interface TokenBucketConfig {
  maxTokens: number;
  tokensPerFill: number;
  fillIntervalMs: number;
}

export class TokenBucket {
  #tokens: number;
  #filledAt: number;

  constructor(
    readonly config: TokenBucketConfig,
    now: number,
  ) {
    this.#tokens = config.maxTokens;
    this.#filledAt = now;
  }

  /** Takes a token if there is one. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens === 0) return false;
    this.#tokens--;
    return true;
  }

  remaining(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Milliseconds until the next fill. */
  untilNextFill(now: number): number {
    this.#refill(now);
    return this.#filledAt + this.config.fillIntervalMs - now;
  }

  #refill(now: number): void {
    const fills = Math.floor((now - this.#filledAt) / this.config.fillIntervalMs);
    if (fills <= 0) return;
    this.#tokens = Math.min(this.config.maxTokens, this.#tokens + fills * this.config.tokensPerFill);
    this.#filledAt += fills * this.config.fillIntervalMs;
  }
}
