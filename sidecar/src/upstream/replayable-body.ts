// A request body that each attempt of a retried request sends whole, without waiting for it: it
// streams to the current attempt as it arrives, and what arrived is kept so that a retry sends it
// again and then follows the rest (Envoy buffers a retried request's body the same way). Past the
// limit nothing more is kept and the request may no longer be retried. The caller is paused while
// the attempt reading the body is, so a slow upstream slows the caller, not the sidecar's memory.
import { Readable } from 'node:stream';
import { REPLAYABLE_BODY_LIMIT } from './request-body.js';

export class ReplayableBody {
  readonly #source: Readable;
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #isEnded = false;
  #isReplayable = true;
  /** The stream the current attempt reads. */
  #reader: Readable | undefined;

  constructor(source: Readable, limit = REPLAYABLE_BODY_LIMIT) {
    this.#source = source;
    this.#limit = limit;
    source.on('data', (chunk: Buffer) => this.#onData(chunk));
    source.on('end', () => this.#onEnd());
    source.on('error', (error) => this.#onError(error));
  }

  /** Whether a new attempt can still send the whole body: it was kept whole, and the caller did not fail. */
  get isReplayable(): boolean {
    return this.#isReplayable;
  }

  /** The body from its start, for a new attempt; the attempt before no longer receives it. */
  open(): Readable {
    this.#reader?.destroy();
    const reader = new Readable({ read: () => this.#source.resume() });
    for (const chunk of this.#chunks) reader.push(chunk);
    if (this.#isEnded) reader.push(null);
    // An attempt given up with no other after it leaves the rest of the body to be read and dropped.
    reader.on('close', () => {
      if (this.#reader === reader) this.#source.resume();
    });
    this.#reader = reader;
    return reader;
  }

  #onData(chunk: Buffer): void {
    if (this.#isReplayable) {
      this.#size += chunk.length;
      if (this.#size <= this.#limit) this.#chunks.push(chunk);
      else this.#forget();
    }
    const reader = this.#reader;
    if (reader !== undefined && !reader.destroyed && !reader.push(chunk)) this.#source.pause();
  }

  #onEnd(): void {
    this.#isEnded = true;
    const reader = this.#reader;
    if (reader !== undefined && !reader.destroyed) reader.push(null);
  }

  #onError(error: Error): void {
    this.#forget();
    this.#reader?.destroy(error);
  }

  #forget(): void {
    this.#isReplayable = false;
    this.#chunks = [];
  }
}
