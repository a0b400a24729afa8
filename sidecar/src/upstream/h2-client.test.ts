import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Dispatcher } from 'undici';
import { H2Client } from './h2-client.js';
import type { H2StreamController } from './h2-dispatch.js';

/** What a handler hears, in order; `onStart` may throw, as a handler Node refuses a header does. */
function recordingHandler(onStart?: () => void): {
  events: string[];
  controller: Promise<H2StreamController>;
  done: Promise<void>;
  handler: Dispatcher.DispatchHandler;
} {
  const events: string[] = [];
  let started: (controller: H2StreamController) => void = () => undefined;
  let settle: () => void = () => undefined;
  return {
    events,
    controller: new Promise((resolve) => (started = resolve)),
    done: new Promise((resolve) => (settle = resolve)),
    handler: {
      onRequestStart: (controller) => started(controller as H2StreamController),
      onResponseStart: (_controller, status) => {
        events.push(`start ${status}`);
        onStart?.();
      },
      onResponseData: (_controller, chunk: Buffer) => events.push(`data ${chunk.toString()}`),
      onResponseEnd: (_controller, trailers) => {
        events.push(`end grpc-status ${String(trailers['grpc-status'])}`);
        settle();
      },
      onResponseError: (_controller, error) => {
        events.push(`error ${error.message}`);
        settle();
      },
    },
  };
}

/** Answers each stream when the test says: headers, `reply`, trailers. */
function answer(stream: ServerHttp2Stream, reply: string): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(reply);
}

describe('H2Client', () => {
  let server: Http2Server;
  let client: H2Client;
  const streams: ServerHttp2Stream[] = [];
  const arrived: Array<() => void> = [];

  before(async () => {
    server = createServer();
    server.on('stream', (stream) => {
      streams.push(stream);
      arrived.shift()?.();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    client = new H2Client(
      { address: '127.0.0.1', port, openSocket: () => connect({ host: '127.0.0.1', port }) },
      5000,
      5000,
    );
  });

  after(async () => {
    await client.close();
    server.close();
  });

  function nextStream(): Promise<ServerHttp2Stream> {
    return new Promise((resolve) => arrived.push(() => resolve(streams.at(-1) as ServerHttp2Stream)));
  }

  it('tells the handler of the response before data Node emitted ahead of it', async () => {
    // Under load Node emitted a stream's 'data' before its 'response' (a tick later), and the
    // response relay wrote the data before the headers: the sidecar then threw ERR_HTTP2_HEADERS_SENT.
    const { events, controller, done, handler } = recordingHandler();
    const upstream = nextStream();
    client.dispatch({ method: 'POST', path: '/kinds.Kinds/Echo', headers: ['host', 'upstream'], body: null }, handler);
    const [stream, { stream: clientStream }] = await Promise.all([upstream, controller]);
    clientStream?.emit('data', Buffer.from('early'));
    answer(stream, 'reply');
    await done;
    assert.deepEqual(events, ['start 200', 'data early', 'data reply', 'end grpc-status 0']);
  });

  it('fails an exchange whose handler throws, and the process goes on', async () => {
    const refused = new Error('Node refused a response header');
    const { events, done, handler } = recordingHandler(() => {
      throw refused;
    });
    const upstream = nextStream();
    client.dispatch({ method: 'POST', path: '/kinds.Kinds/Echo', headers: ['host', 'upstream'], body: null }, handler);
    answer(await upstream, 'reply');
    await done;
    assert.deepEqual(events, ['start 200', `error ${refused.message}`]);
    const next = recordingHandler();
    const another = nextStream();
    client.dispatch(
      { method: 'POST', path: '/kinds.Kinds/Echo', headers: ['host', 'upstream'], body: null },
      next.handler,
    );
    answer(await another, 'again');
    await next.done;
    assert.deepEqual(next.events, ['start 200', 'data again', 'end grpc-status 0']);
  });
});
