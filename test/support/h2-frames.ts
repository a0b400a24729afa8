// Raw HTTP/2 frames for attack tests (RFC 9113 §4.1), written straight to a socket: node:http2's
// client queues streams past the server's concurrency limit and never sends a queued one it cancels,
// so a rapid reset must be written by hand.
import { connect, type Socket } from 'node:net';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const TYPE = { headers: 0x1, rstStream: 0x3, settings: 0x4, goaway: 0x7 } as const;
const END_STREAM_AND_HEADERS = 0x5;
const CANCEL = 0x8;

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** HPACK: GET, http, / from the static table; :authority as a literal (RFC 7541 §6.2.2). */
function getHeaders(authority: string): Buffer {
  const value = Buffer.from(authority, 'latin1');
  return Buffer.concat([Buffer.from([0x82, 0x86, 0x84, 0x01, value.length]), value]);
}

/** The client preface, then `count` streams each opened by HEADERS and cancelled by RST_STREAM at once. */
export function rapidResetFrames(authority: string, count: number): Buffer {
  const headers = getHeaders(authority);
  const cancel = Buffer.alloc(4);
  cancel.writeUInt32BE(CANCEL);
  const frames = [PREFACE, frame(TYPE.settings, 0, 0, Buffer.alloc(0))];
  for (let i = 0; i < count; i++) {
    const streamId = 2 * i + 1;
    frames.push(
      frame(TYPE.headers, END_STREAM_AND_HEADERS, streamId, headers),
      frame(TYPE.rstStream, 0, streamId, cancel),
    );
  }
  return Buffer.concat(frames);
}

export interface RawH2Connection {
  socket: Socket;
  /** Resolves with the error code of the first GOAWAY the server sends, once the connection has closed. */
  goaway: Promise<number | undefined>;
}

/** Connects to `host:port`, writes `bytes`, and reads the frames the server sends back. */
export function sendRawH2(host: string, port: number, bytes: Buffer): RawH2Connection {
  const socket = connect(port, host);
  let received = Buffer.alloc(0);
  let goawayCode: number | undefined;
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    while (received.length >= 9) {
      const length = received.readUIntBE(0, 3);
      if (received.length < 9 + length) break;
      if (received.readUInt8(3) === TYPE.goaway && goawayCode === undefined) goawayCode = received.readUInt32BE(9 + 4);
      received = received.subarray(9 + length);
    }
  });
  // The server may close while frames are still being written: a reset is part of the outcome.
  socket.on('error', () => {});
  const goaway = new Promise<number | undefined>((resolve) => socket.once('close', () => resolve(goawayCode)));
  socket.write(bytes);
  return { socket, goaway };
}
