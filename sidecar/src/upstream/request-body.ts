// A request body that can be sent more than once (retries, mirrors): read whole into memory up
// to a limit. A larger body streams on instead, once, and the request is neither retried nor
// mirrored (Envoy's buffer limit does the same).
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { Readable } from 'node:stream';

/** Envoy's default per-connection buffer limit. */
export const REPLAYABLE_BODY_LIMIT = 1024 * 1024;

export function hasBody(req: IncomingMessage): boolean {
  // HTTP/2 says so on the HEADERS frame (END_STREAM), with or without a content-length.
  if (req.httpVersionMajor === 2) return !(req as unknown as Http2ServerRequest).stream.endAfterHeaders;
  const length = req.headers['content-length'];
  return length === undefined ? req.headers['transfer-encoding'] !== undefined : length !== '0';
}

/** The whole body when it fits in `limit`, or else a stream of all of it (what was read, then the rest). */
export async function readReplayableBody(
  req: IncomingMessage,
  limit = REPLAYABLE_BODY_LIMIT,
): Promise<Buffer | Readable> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator: AsyncIterator<Buffer> = req[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) return Buffer.concat(chunks, size);
    chunks.push(next.value);
    size += next.value.length;
    if (size > limit) return Readable.from(rest(chunks, iterator), { objectMode: false });
  }
}

async function* rest(read: readonly Buffer[], iterator: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* read;
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
}
