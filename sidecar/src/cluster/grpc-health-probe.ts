// One gRPC health probe (Envoy's grpc_health_check): grpc.health.v1.Health/Check over its own
// HTTP/2 (h2c) connection, asking for `serviceName` ("" is the server as a whole). It passes only
// when the call ends with grpc-status 0 and the answer says SERVING; NOT_SERVING, UNKNOWN, any other
// status, a malformed answer, a reset or a connection error fail it. The messages are one field
// each, so they are encoded here rather than through a protobuf library.
import { connect, constants, type IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import { ALPN_H2 } from '../upstream/upstream-tls.js';

/** HealthCheckResponse.ServingStatus SERVING. */
const SERVING = 1;
const CHECK_PATH = '/grpc.health.v1.Health/Check';

export interface GrpcHealthTarget {
  address: string;
  port: number;
  /** A connection to the target speaking h2 (mutual TLS when its host is reached so); plain TCP when absent. */
  openSocket?(alpn: string): Socket;
  /** :authority of the call. */
  authority: string;
  serviceName: string;
}

/** A length-prefixed gRPC message holding HealthCheckRequest { service = serviceName }. */
export function healthCheckRequest(serviceName: string): Buffer {
  const name = Buffer.from(serviceName, 'utf8');
  const message = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

/** HealthCheckResponse.status from a response body (one length-prefixed message), or undefined when it is malformed. */
export function servingStatusOf(body: Buffer): number | undefined {
  if (body.length < 5 || body[0] !== 0) return undefined;
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) return undefined;
  let status = 0;
  for (let offset = 5; offset < body.length;) {
    const tag = readVarint(body, offset);
    if (tag === undefined) return undefined;
    offset = tag.next;
    const wireType = tag.value & 7;
    if (wireType === 0) {
      const value = readVarint(body, offset);
      if (value === undefined) return undefined;
      if (tag.value >>> 3 === 1) status = value.value;
      offset = value.next;
    } else if (wireType === 2) {
      const size = readVarint(body, offset);
      if (size === undefined) return undefined;
      offset = size.next + size.value;
    } else {
      return undefined;
    }
  }
  return status;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function readVarint(buffer: Buffer, start: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let offset = start, shift = 0; offset < buffer.length && shift < 35; offset++, shift += 7) {
    const byte = buffer[offset] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return { value, next: offset + 1 };
  }
  return undefined;
}

/** Sends one probe; `done(true)` when the target is SERVING, `done(false)` otherwise. Returns a cancel function. */
export function probeGrpcHealth(target: GrpcHealthTarget, done: (isServing: boolean) => void): () => void {
  let isSettled = false;
  const { openSocket } = target;
  const session = connect(`http://${target.address}:${target.port}`, {
    settings: { enablePush: false },
    ...(openSocket && { createConnection: () => openSocket(ALPN_H2) }),
  });
  const settle = (isServing: boolean): void => {
    if (isSettled) return;
    isSettled = true;
    session.destroy();
    done(isServing);
  };
  session.on('error', () => settle(false));
  session.on('close', () => settle(false));
  const stream = session.request({
    ':method': 'POST',
    ':path': CHECK_PATH,
    ':authority': target.authority,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': 'pilotfish-health-check',
  });
  const chunks: Buffer[] = [];
  let grpcStatus: string | undefined;
  stream.on('response', (headers) => {
    if (headers[':status'] !== 200) settle(false);
    // A trailers-only answer carries its status in the headers.
    const status = headers['grpc-status'] as string | undefined;
    if (status !== undefined) grpcStatus = status;
  });
  stream.on('trailers', (trailers: IncomingHttpHeaders) => {
    grpcStatus = String(trailers['grpc-status']);
  });
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => settle(grpcStatus === '0' && servingStatusOf(Buffer.concat(chunks)) === SERVING));
  stream.on('error', () => settle(false));
  stream.end(healthCheckRequest(target.serviceName));
  return () => {
    if (isSettled) return;
    isSettled = true;
    stream.close(constants.NGHTTP2_CANCEL);
    session.destroy();
  };
}
