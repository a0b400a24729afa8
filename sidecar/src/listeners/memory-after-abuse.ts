// A connection torn down for abuse (rapid reset) leaves the garbage of its thousands of streams in
// the old generation: they were all alive at once, so they outlived the young generation. V8 gives
// those pages back only once a major GC has started its memory reducer, and an idle proxy may run
// none for a long time (Node.js 24: never, in the rapid reset test). So after such a connection the
// proxy runs one major GC, at most one every 10 s whatever a client does: about 25 ms of CPU.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MIN_INTERVAL_MS = 10_000;

export class MemoryAfterAbuse {
  #collect: (() => void) | undefined;
  #lastAt = -Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs a major GC unless one ran within the last 10 s; says whether it ran. */
  release(): boolean {
    const now = this.now();
    if (now - this.#lastAt < MIN_INTERVAL_MS) return false;
    this.#lastAt = now;
    this.#collect ??= exposedGc();
    this.#collect();
    return true;
  }
}

/** The one every listener of the process shares. */
export const PROCESS_MEMORY = new MemoryAfterAbuse();

/** V8's gc(), from a context of its own: the process's global object never gets it. */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  return gc;
}
