// Coalesces bursts of changes into one action: runs after `quietMs` without a new trigger, and at
// the latest `maxWaitMs` after the first trigger of a burst, so a steady trickle cannot starve it.

export class Debouncer {
  #timer: NodeJS.Timeout | undefined;
  #firstTriggerAt = 0;

  constructor(
    private readonly action: () => void,
    private readonly quietMs: number,
    private readonly maxWaitMs: number,
  ) {}

  trigger(): void {
    const now = Date.now();
    if (this.#timer === undefined) this.#firstTriggerAt = now;
    else clearTimeout(this.#timer);
    const delay = Math.max(0, Math.min(this.quietMs, this.#firstTriggerAt + this.maxWaitMs - now));
    this.#timer = setTimeout(() => this.flush(), delay);
  }

  /** Runs the pending action now, if any. */
  flush(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.action();
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
