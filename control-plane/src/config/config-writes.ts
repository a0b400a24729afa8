// Config changes run one at a time, each validated on the version the previous one left. A change
// another replica's beat to the store is validated again on top of that one, once this replica has it.
import { ConfigConflictError } from '../store/config-log.js';
import { ConfigChangeError } from './config-change.js';

/** A change that lost the race to another replica's is validated again on top of it, this many times. */
const MAX_ATTEMPTS = 5;
/** How long a change waits for this replica to see the version that came first. */
const CATCH_UP_MS = 5000;

export class ConfigWrites {
  #writes: Promise<unknown> = Promise.resolve();
  readonly #waiters = new Set<() => void>();

  /** `version()`: the version in force on this replica. */
  constructor(private readonly version: () => number) {}

  run<T>(change: () => Promise<T>): Promise<T> {
    const attempt = async (attempts: number): Promise<T> => {
      try {
        return await change();
      } catch (error) {
        if (!(error instanceof ConfigConflictError)) throw error;
        if (attempts >= MAX_ATTEMPTS || !(await this.#catchUp(error.latestVersion)))
          throw new ConfigChangeError('conflict', [`${error.message}; apply again`]);
        return attempt(attempts + 1);
      }
    };
    const result = this.#writes.then(() => attempt(1));
    this.#writes = result.catch(() => undefined);
    return result;
  }

  /** Tells waiting changes that a newer version is in force here. */
  adopted(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /** Resolves true once version `version` is in force here, false when it does not come in time. */
  #catchUp(version: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (reached: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(reached);
      };
      const check = () => {
        if (this.version() >= version) done(true);
      };
      const timer = setTimeout(() => done(false), CATCH_UP_MS);
      this.#waiters.add(check);
      check();
    });
  }
}
