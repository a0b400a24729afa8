// The DiscoveryRequest of a plain ACK, read and written by hand: every proxy ACKs every push, 5,000
// per change in the fleet, and protobufjs's decode + toObject cost ~12 µs each where this costs
// ~1.5. A request with a node, an error (a NACK) or any other field goes to protobufjs.
import { fieldSize, readVarint, writeString } from './discovery-response.js';

/** A DiscoveryRequest with only the fields of an ACK: version, names, type and nonce. */
export interface PlainDiscoveryRequest {
  version_info?: string;
  resource_names: string[];
  type_url?: string;
  response_nonce?: string;
}

// Field tags (field number << 3 | wire type 2): version_info 1, resource_names 3, type_url 4, response_nonce 5.
const VERSION_INFO = 10;
const RESOURCE_NAMES = 26;
const TYPE_URL = 34;
const RESPONSE_NONCE = 42;

/** The request's fields, or undefined when it holds any field an ACK does not (node, error_detail, …) or is cut short. */
export function readPlainDiscoveryRequest(bytes: Uint8Array): PlainDiscoveryRequest | undefined {
  const request: PlainDiscoveryRequest = { resource_names: [] };
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  try {
    while (offset < buffer.length) {
      let tag: number;
      let length: number;
      [tag, offset] = readVarint(buffer, offset);
      if (tag !== VERSION_INFO && tag !== RESOURCE_NAMES && tag !== TYPE_URL && tag !== RESPONSE_NONCE)
        return undefined;
      [length, offset] = readVarint(buffer, offset);
      if (offset + length > buffer.length) return undefined;
      const text = buffer.toString('utf8', offset, offset + length);
      offset += length;
      if (tag === RESOURCE_NAMES) request.resource_names.push(text);
      else if (tag === VERSION_INFO) request.version_info = text;
      else if (tag === TYPE_URL) request.type_url = text;
      else request.response_nonce = text;
    }
  } catch {
    return undefined; // a truncated varint: protobufjs reads it again and names the error
  }
  return request;
}

/** The request encoded (what protobufjs would write for it): for clients that ACK often, the fleet bench's. */
export function writePlainDiscoveryRequest(request: PlainDiscoveryRequest): Buffer {
  const fields: Array<[number, string]> = [];
  if (request.version_info) fields.push([VERSION_INFO, request.version_info]);
  for (const name of request.resource_names) fields.push([RESOURCE_NAMES, name]);
  if (request.type_url) fields.push([TYPE_URL, request.type_url]);
  if (request.response_nonce) fields.push([RESPONSE_NONCE, request.response_nonce]);
  const lengths = fields.map(([, text]) => Buffer.byteLength(text));
  const out = Buffer.allocUnsafe(lengths.reduce((size, length) => size + fieldSize(length), 0));
  let offset = 0;
  fields.forEach(([tag, text], index) => (offset = writeString(out, offset, tag, text, lengths[index] as number)));
  return out;
}
