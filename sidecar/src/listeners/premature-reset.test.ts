import assert from 'node:assert/strict';
import { constants, createServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rapidResetFrames, sendRawH2 } from '../../../test/support/h2-frames.js';
import { limitPrematureResets, PREMATURE_RESET_TOTAL_STREAM_COUNT } from './premature-reset.js';

// 600 streams: past the accounting's 500, below nghttp2's own burst of 1,000 resets, so this
// accounting is what closes the connection.
const STREAMS = 600;

describe('premature reset accounting', () => {
  let server: Http2Server;
  let port = 0;
  const limits: Array<{ closed: number; premature: number }> = [];

  before(async () => {
    server = createServer();
    // The clock stands still: every reset is within the minimum stream lifetime, however busy the machine.
    server.on('session', (session: ServerHttp2Session) =>
      limitPrematureResets(
        session,
        (c) => limits.push(c),
        () => 0,
      ),
    );
    server.on('stream', (stream) => stream.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => server.close());

  it('sends GOAWAY INTERNAL_ERROR and closes a connection whose client resets most of 500 streams at once', async () => {
    const { goaway } = sendRawH2('127.0.0.1', port, rapidResetFrames('app', STREAMS));
    assert.equal(await goaway, constants.NGHTTP2_INTERNAL_ERROR);
    assert.equal(limits.length, 1);
    assert.equal(limits[0]?.closed, PREMATURE_RESET_TOTAL_STREAM_COUNT);
    assert.equal(limits[0]?.premature, PREMATURE_RESET_TOTAL_STREAM_COUNT);
  });
});
