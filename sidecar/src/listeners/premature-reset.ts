// HTTP/2 rapid reset (CVE-2023-44487): a client that opens streams and cancels them at once costs
// the proxy work while never counting toward its concurrent-stream limit. Envoy's premature-reset
// accounting: once a connection has closed `PREMATURE_RESET_TOTAL_STREAM_COUNT` streams and at
// least half of them were reset by the client within `PREMATURE_RESET_MIN_STREAM_LIFETIME_MS` of
// opening, it gets GOAWAY and is torn down at once: the frames it already sent are not read, so a
// burst costs the streams up to the limit, not the thousands behind them (and their memory, which
// the allocator would keep). The GOAWAY says INTERNAL_ERROR, as nghttp2's own reset limiter does
// (Envoy's HTTP/2 codec; it fires first on a burst of over 1,000 resets), so a client sees the
// same code whichever limit it hits; Envoy's own accounting closes without a GOAWAY.
import { constants, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';

/** Envoy's defaults (`premature_reset_total_stream_count`, `premature_reset_min_stream_lifetime_seconds`). */
export const PREMATURE_RESET_TOTAL_STREAM_COUNT = 500;
export const PREMATURE_RESET_MIN_STREAM_LIFETIME_MS = 1000;

/** The streams a client of one session cancelled soon after opening them, so far. */
export interface PrematureResets {
  readonly premature: number;
}

/** Watches `session`'s streams; calls `onLimit` once, after sending GOAWAY and destroying it. */
export function limitPrematureResets(
  session: ServerHttp2Session,
  onLimit: (counts: { closed: number; premature: number }) => void,
  now: () => number = () => performance.now(),
): PrematureResets {
  let closed = 0;
  let premature = 0;
  session.on('stream', (stream: ServerHttp2Stream) => {
    const openedAt = now();
    stream.once('close', () => {
      closed++;
      // Reset before any response was sent, soon after it opened: the client cancelled it.
      if (stream.rstCode !== constants.NGHTTP2_NO_ERROR && !stream.headersSent) {
        if (now() - openedAt < PREMATURE_RESET_MIN_STREAM_LIFETIME_MS) premature++;
      }
      // A session torn down meanwhile (nghttp2's own limiter, a socket error) is past a GOAWAY: it would throw.
      if (session.closed || session.destroyed) return;
      if (closed < PREMATURE_RESET_TOTAL_STREAM_COUNT || premature * 2 < closed) return;
      // The code goes in its final GOAWAY, flushed before the socket ends; the error goes to the
      // server's 'sessionError' (a server session has that listener).
      session.destroy(new Error('rapid reset: most streams reset at once'), constants.NGHTTP2_INTERNAL_ERROR);
      onLimit({ closed, premature });
    });
  });
  return {
    get premature() {
      return premature;
    },
  };
}
