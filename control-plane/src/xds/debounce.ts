// Coalesces bursts of changes into one action: runs once no trigger came for the quiet period, and
// at the latest `maxWaitMs` after the first trigger of a burst, so a steady trickle cannot starve it.
// A burst that outlasts an action (a rollout registering for seconds on a busy machine, where pauses
// longer than `quietMs` come and go) doubles the quiet period after each action it follows, up to
// MAX_QUIET_FACTOR × `quietMs`, so it costs a few pushes rather than one per pause.

/** The quiet period of a long burst grows to at most this many times the configured one. */
export const MAX_QUIET_FACTOR = 8;

export class Debouncer {
  #timer: NodeJS.Timeout | undefined;
  #firstTriggerAt = 0;
  #quietMs: number;
  /** When the last action ended: a trigger within a quiet period of it continues that burst. */
  #lastRunAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly action: () => void,
    private readonly quietMs: number,
    private readonly maxWaitMs: number,
  ) {
    this.#quietMs = quietMs;
  }

  trigger(): void {
    const now = Date.now();
    if (this.#timer === undefined) {
      this.#firstTriggerAt = now;
      this.#quietMs =
        now - this.#lastRunAt < this.#quietMs
          ? Math.min(this.#quietMs * 2, this.quietMs * MAX_QUIET_FACTOR)
          : this.quietMs;
    } else clearTimeout(this.#timer);
    const delay = Math.max(0, Math.min(this.#quietMs, this.#firstTriggerAt + this.maxWaitMs - now));
    const timer = setTimeout(() => {
      // A busy event loop runs due timers before the I/O that waited meanwhile: triggers that arrived
      // during the stall are read first (and re-arm this), so a stall is not taken for quiet.
      setImmediate(() => {
        if (this.#timer === timer || Date.now() >= this.#firstTriggerAt + this.maxWaitMs) this.flush();
      });
    }, delay);
    this.#timer = timer;
  }

  /** Runs the pending action now, if any. */
  flush(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.action();
    this.#lastRunAt = Date.now();
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
