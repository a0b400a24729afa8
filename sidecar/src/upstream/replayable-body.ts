// A request body that each attempt of a retried request sends whole, without waiting for it: it
// streams to the current attempt as it arrives, and what arrived is kept so that a retry sends it
// again and then follows the rest (Envoy buffers a retried request's body the same way). Past the
// limit nothing more is kept and the request may no longer be retried. The caller is paused while
// the attempt reading the body is, so a slow upstream slows the caller, not the sidecar's memory.
import { Readable } from 'node:stream';
import { REPLAYABLE_BODY_LIMIT } from './request-body.js';

const kBody = Symbol('replayable body');

/** The caller's body and each attempt's reader point back at the ReplayableBody: their listeners are shared. */
type Linked = Readable & { [kBody]: ReplayableBody };

function readMore(this: Readable): void {
  (this as Linked)[kBody].source.resume();
}

export class ReplayableBody {
  readonly source: Readable;
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #isEnded = false;
  #isReplayable = true;
  /** The stream the current attempt reads. */
  #reader: Readable | undefined;

  constructor(source: Readable, limit = REPLAYABLE_BODY_LIMIT) {
    this.source = source;
    this.#limit = limit;
    (source as Linked)[kBody] = this;
    source.on('data', ReplayableBody.#onData);
    source.on('end', ReplayableBody.#onEnd);
    source.on('error', ReplayableBody.#onError);
  }

  /** Whether a new attempt can still send the whole body: it was kept whole, and the caller did not fail. */
  get isReplayable(): boolean {
    return this.#isReplayable;
  }

  /** The body from its start, for a new attempt; the attempt before no longer receives it. */
  open(): Readable {
    this.#reader?.destroy();
    const reader = new Readable({ read: readMore });
    (reader as Linked)[kBody] = this;
    for (const chunk of this.#chunks) reader.push(chunk);
    if (this.#isEnded) reader.push(null);
    reader.on('close', ReplayableBody.#onReaderClose);
    this.#reader = reader;
    return reader;
  }

  /** An attempt given up with no other after it leaves the rest of the body to be read and dropped. */
  static #onReaderClose(this: Linked): void {
    const body = this[kBody];
    if (body.#reader === this) body.source.resume();
  }

  static #onData(this: Linked, chunk: Buffer): void {
    const body = this[kBody];
    if (body.#isReplayable) {
      body.#size += chunk.length;
      if (body.#size <= body.#limit) body.#chunks.push(chunk);
      else body.#forget();
    }
    const reader = body.#reader;
    if (reader !== undefined && !reader.destroyed && !reader.push(chunk)) this.pause();
  }

  static #onEnd(this: Linked): void {
    const body = this[kBody];
    body.#isEnded = true;
    const reader = body.#reader;
    if (reader !== undefined && !reader.destroyed) reader.push(null);
  }

  static #onError(this: Linked, error: Error): void {
    const body = this[kBody];
    body.#forget();
    body.#reader?.destroy(error);
  }

  #forget(): void {
    this.#isReplayable = false;
    this.#chunks = [];
  }
}
