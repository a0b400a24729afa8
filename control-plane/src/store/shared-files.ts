// Small files every replica must hold alike (the CA's roots and the token signing key), kept in the
// store as one set: the first replica to start claims it with its own, the others adopt it.
export interface SharedFiles {
  /** The stored set, or undefined when no replica has claimed it yet. */
  read(): Promise<Map<string, string> | undefined>;
  /** Stores `files` unless the store holds a set already; resolves with the set the store holds after. */
  claim(files: ReadonlyMap<string, string>): Promise<Map<string, string>>;
  /** Replaces the stored set (after a step of a root rotation). */
  replace(files: ReadonlyMap<string, string>): Promise<void>;
}
