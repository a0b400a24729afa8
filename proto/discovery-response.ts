// The outgoing DiscoveryResponse, written by hand: its resources are Anys encoded once per version,
// and a type's whole resource list once more (shared by every wildcard subscriber of a group), so a
// response to a wildcard subscriber is a small buffer of its own plus a reference to shared bytes.

/** A resource as it travels inside a DiscoveryResponse: encoded once, as a whole Any, sent to many. */
export interface EncodedResource {
  type_url: string;
  /** The google.protobuf.Any message, encoded. */
  any: Uint8Array;
}

// DiscoveryResponse field tags (field number << 3 | wire type 2): version_info 1, resources 2,
// type_url 4, nonce 5.
const VERSION_INFO = 10;
const RESOURCES = 18;
const RESPONSE_TYPE_URL = 34;
const NONCE = 42;

/** Resources already encoded as a DiscoveryResponse's repeated `resources` field. */
export class EncodedResourceList {
  private constructor(
    readonly length: number,
    readonly bytes: Buffer,
  ) {}

  static of(resources: readonly EncodedResource[]): EncodedResourceList {
    const bytes = Buffer.allocUnsafe(resources.reduce((size, resource) => size + fieldSize(resource.any.length), 0));
    let offset = 0;
    for (const resource of resources) offset = writeBytes(bytes, offset, RESOURCES, resource.any);
    return new EncodedResourceList(resources.length, bytes);
  }
}

/** An outgoing DiscoveryResponse; resources are already encoded. */
export interface DiscoveryResponseOut {
  version_info: string;
  resources: readonly EncodedResource[] | EncodedResourceList;
  type_url: string;
  nonce: string;
}

export function encodeDiscoveryResponse(response: DiscoveryResponseOut): Buffer {
  const shared = sharedBytes(response);
  const out = Buffer.allocUnsafe(ownedSize(response) + shared.length);
  shared.copy(out, writeOwned(out, 0, response));
  return out;
}

/**
 * The response as a gRPC message (flag byte, 32-bit length, then the message) in chunks to write in
 * order: one small buffer of its own (version, type, nonce), then the resources' bytes, referenced
 * and never copied: the shared list, or each resource behind its few bytes of field header.
 * Protobuf merges fields in any order, so `resources` may follow `nonce`.
 */
export function discoveryResponseMessage(response: DiscoveryResponseOut): Uint8Array[] {
  const { resources } = response;
  const fields = { ...response, resources: NO_RESOURCES };
  const shared = resources instanceof EncodedResourceList ? [resources.bytes] : resourceFields(resources);
  const owned = ownedSize(fields);
  const head = Buffer.allocUnsafe(GRPC_PREFIX + owned);
  head[0] = 0; // not compressed
  head.writeUInt32BE(owned + shared.reduce((size, chunk) => size + chunk.length, 0), 1);
  writeOwned(head, GRPC_PREFIX, fields);
  return [head, ...shared.filter((chunk) => chunk.length > 0)];
}

/** Each resource as a `resources` field: a header of its own (tag, length), then its Any as it is. */
function resourceFields(resources: readonly EncodedResource[]): Uint8Array[] {
  const headers = Buffer.allocUnsafe(resources.reduce((size, { any }) => size + 1 + varintSize(any.length), 0));
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const { any } of resources) {
    const start = offset;
    headers[offset++] = RESOURCES;
    offset = writeVarint(headers, offset, any.length);
    chunks.push(headers.subarray(start, offset), any);
  }
  return chunks;
}

const GRPC_PREFIX = 5;
const NONE = Buffer.alloc(0);
const NO_RESOURCES = EncodedResourceList.of([]);

function sharedBytes({ resources }: DiscoveryResponseOut): Buffer {
  return resources instanceof EncodedResourceList ? resources.bytes : NONE;
}

/** Bytes of the fields each response has of its own: version, type, nonce and a per-stream resource list. */
function ownedSize({ version_info, resources, type_url, nonce }: DiscoveryResponseOut): number {
  const version = Buffer.byteLength(version_info);
  const listed =
    resources instanceof EncodedResourceList
      ? 0
      : resources.reduce((size, resource) => size + fieldSize(resource.any.length), 0);
  return (
    (version > 0 ? fieldSize(version) : 0) +
    listed +
    fieldSize(Buffer.byteLength(type_url)) +
    fieldSize(Buffer.byteLength(nonce))
  );
}

function writeOwned(out: Buffer, offset: number, response: DiscoveryResponseOut): number {
  const { resources } = response;
  const version = Buffer.byteLength(response.version_info);
  if (version > 0) offset = writeString(out, offset, VERSION_INFO, response.version_info, version);
  if (!(resources instanceof EncodedResourceList))
    for (const resource of resources) offset = writeBytes(out, offset, RESOURCES, resource.any);
  offset = writeString(out, offset, RESPONSE_TYPE_URL, response.type_url, Buffer.byteLength(response.type_url));
  return writeString(out, offset, NONCE, response.nonce, Buffer.byteLength(response.nonce));
}

/** What a DiscoveryResponse says, read off the wire without decoding its resources: for clients that only count. */
export function summarizeDiscoveryResponse(bytes: Buffer): {
  version_info: string;
  nonce: string;
  type_url: string;
  resources: number;
} {
  const summary = { version_info: '', nonce: '', type_url: '', resources: 0 };
  let offset = 0;
  while (offset < bytes.length) {
    let tag: number;
    [tag, offset] = readVarint(bytes, offset);
    if ((tag & 7) === 0) {
      offset = readVarint(bytes, offset)[1];
      continue;
    }
    if ((tag & 7) !== 2) throw new Error(`DiscoveryResponse: unexpected wire type ${tag & 7} of field ${tag >>> 3}`);
    let length: number;
    [length, offset] = readVarint(bytes, offset);
    const text = () => bytes.toString('utf8', offset, offset + length);
    if (tag === VERSION_INFO) summary.version_info = text();
    else if (tag === RESOURCES) summary.resources++;
    else if (tag === RESPONSE_TYPE_URL) summary.type_url = text();
    else if (tag === NONCE) summary.nonce = text();
    offset += length;
  }
  return summary;
}

/** The varint at `offset` and the offset after it; throws when the bytes end inside it. */
export function readVarint(bytes: Buffer, offset: number): [number, number] {
  let value = 0;
  for (let shift = 1; ; shift *= 0x80) {
    const byte = bytes[offset++];
    if (byte === undefined) throw new Error('DiscoveryResponse: truncated varint');
    value += (byte & 0x7f) * shift;
    if (byte < 0x80) return [value, offset];
  }
}

/** Bytes of a length-delimited field with a one-byte tag and `length` bytes of content. */
export function fieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

function writeVarint(out: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[offset++] = value;
  return offset;
}

function writeBytes(out: Buffer, offset: number, tag: number, bytes: Uint8Array): number {
  out[offset++] = tag;
  offset = writeVarint(out, offset, bytes.length);
  out.set(bytes, offset);
  return offset + bytes.length;
}

export function writeString(out: Buffer, offset: number, tag: number, text: string, length: number): number {
  out[offset++] = tag;
  offset = writeVarint(out, offset, length);
  return offset + out.write(text, offset, 'utf8');
}
