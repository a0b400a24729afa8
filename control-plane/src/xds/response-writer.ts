// Writes ADS responses onto the call's HTTP/2 stream so that a type's resource list, encoded once per
// group and version, is referenced by every proxy's write instead of copied into it.
import type { ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { DiscoveryRequest__Output } from '../../../proto/gen/envoy/service/discovery/v3/DiscoveryRequest.js';
import { discoveryResponseMessage, type DiscoveryResponseOut } from '../../../proto/xds.js';

export type AdsCall = grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponseOut>;

export type ResponseWriter = (response: DiscoveryResponseOut) => void;

const COPY_BELOW_BYTES = 16 * 1024;

/**
 * grpc-js's `call.write` serializes each message into a buffer of its own and copies it once more to
 * frame it: with 1,000 proxies taking a 300 KB cluster list that was 600 MB allocated per push, held
 * until HTTP/2 flow control let it out and then until a GC (bench/RESULTS.md, the fleet). grpc-js has
 * no API to write a pre-framed message, so this reaches its call's HTTP/2 stream; where it cannot
 * (another grpc-js), responses go through `call.write` as before.
 */
export function responseWriter(call: AdsCall): ResponseWriter {
  const stream = http2StreamOf(call);
  if (stream === undefined) return (response) => call.write(response);
  let hasHeaders = false;
  return (response) => {
    if (stream.destroyed || !stream.writable) return; // grpc-js reports the cancelled call
    if (!hasHeaders) {
      call.sendMetadata(new grpc.Metadata()); // through grpc-js, so it knows the headers went
      hasHeaders = true;
    }
    const chunks = discoveryResponseMessage(response);
    const size = chunks.reduce((total, chunk) => total + chunk.length, 0);
    // A small response (an EDS change) costs less as one copied buffer than as several writes.
    if (size <= COPY_BELOW_BYTES) {
      stream.write(Buffer.concat(chunks, size));
      return;
    }
    stream.cork(); // one writev for the head and the resources it refers to
    for (const chunk of chunks) stream.write(chunk);
    stream.uncork();
  };
}

/** The HTTP/2 stream under grpc-js's call: its interceptor chain ends at the call that holds it. */
export function http2StreamOf(call: AdsCall): ServerHttp2Stream | undefined {
  let inner = (call as unknown as { call?: unknown }).call;
  for (let depth = 0; depth < 16 && isObject(inner); depth++) {
    if ('stream' in inner && isHttp2Stream(inner.stream)) return inner.stream;
    inner = 'nextCall' in inner ? inner.nextCall : undefined;
  }
  return undefined;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isHttp2Stream(value: unknown): value is ServerHttp2Stream {
  return isObject(value) && 'respond' in value && 'session' in value && typeof value.respond === 'function';
}
