// The error every store operation fails with when its backend cannot be reached: the APIs answer it
// as gRPC UNAVAILABLE, naming the store, so a caller knows to retry rather than to fix its request.
const UNAVAILABLE_PHRASE = ') is unavailable: ';

/** Whether an UNAVAILABLE status's details say the control plane's store is down (the control plane answered). */
export function isStoreUnavailable(details: string): boolean {
  return details.includes(UNAVAILABLE_PHRASE);
}

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(what: string, store: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${what} failed: the store (${store}${UNAVAILABLE_PHRASE}${reason}`, { cause });
  }
}
