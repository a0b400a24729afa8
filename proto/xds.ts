// The xDS v3 wire edge: Envoy's types and our own resource type, loaded once from the trimmed
// descriptor `npm run gen` writes (not the .proto files: ~0.2 s less CPU per process start), the ADS
// service definition for grpc-js, and Any encoding of resources. Resources are plain objects with
// protocol field names (keepCase); nested Any values carry '@type'.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs/light.js';
import type { DiscoveryRequest__Output } from './gen/envoy/service/discovery/v3/DiscoveryRequest.js';
import type { DiscoveryResponse__Output } from './gen/envoy/service/discovery/v3/DiscoveryResponse.js';
import type { Struct, Struct__Output } from './gen/google/protobuf/Struct.js';
import type { Value, Value__Output } from './gen/google/protobuf/Value.js';
import { readPlainDiscoveryRequest } from './discovery-request.js';
import { encodeDiscoveryResponse, type EncodedResource } from './discovery-response.js';
import { descriptor } from './gen/xds-descriptor.js';

export { TYPE_URL, RESOURCE_TYPE_URLS, isResourceTypeUrl, type ResourceTypeUrl } from './type-urls.js';
export {
  EncodedResourceList,
  discoveryResponseMessage,
  summarizeDiscoveryResponse,
  type DiscoveryResponseOut,
  type EncodedResource,
} from './discovery-response.js';

/**
 * Mutual TLS between sidecars, as Istio sends it to Envoy: SDS secret names (the workload's own
 * certificate, the trust bundle) that a sidecar fills from its SVID rather than an SDS stream, and
 * the endpoint metadata a cluster's transport_socket_matches select the TLS socket by.
 */
export const MUTUAL_TLS = {
  certificateSecret: 'default',
  trustBundleSecret: 'ROOTCA',
  transportSocketName: 'envoy.transport_sockets.tls',
  rawBufferName: 'envoy.transport_sockets.raw_buffer',
  matchMetadata: 'envoy.transport_socket_match',
  matchKey: 'tlsMode',
  matchValue: 'mutual',
  /** The ALPN value of TCP passthrough between sidecars (Istio's role of "istio-peer-exchange"): an inbound TLS server for HTTP refuses it, one for TCP takes only it. */
  tcpAlpn: 'pilotfish-tcp',
} as const;

export const HCM_FILTER_NAME = 'envoy.filters.network.http_connection_manager';
export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';
export const TCP_PROXY_FILTER_NAME = 'envoy.filters.network.tcp_proxy';
export const CONNECTION_LIMIT_FILTER_NAME = 'envoy.filters.network.connection_limit';

const root = protobuf.Root.fromJSON(descriptor);

const toObjectOptions: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: false,
  arrays: true,
  oneofs: true,
  json: true,
};

const discoveryRequest = root.lookupType('envoy.service.discovery.v3.DiscoveryRequest');
const discoveryResponse = root.lookupType('envoy.service.discovery.v3.DiscoveryResponse');

/** An outgoing DiscoveryRequest (from our sidecar). */
export interface DiscoveryRequestOut {
  version_info: string;
  node?: { id: string; cluster?: string; metadata?: object; locality?: object; user_agent_name?: string };
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: { code: number; message: string };
}

/** A DiscoveryResponse as the sidecar reads it: each resource decoded to a plain object with '@type'. */
export type DiscoveryResponseIn = Omit<DiscoveryResponse__Output, 'resources'> & {
  resources: Array<{ '@type'?: string; type_url?: string; [field: string]: unknown }>;
};

function typeOf(typeUrl: string): protobuf.Type {
  return root.lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
}

const anyType = root.lookupType('google.protobuf.Any');

/** Encodes one resource object as an Any. Throws when the object does not fit its type. */
export function encodeResource(typeUrl: string, resource: object): EncodedResource {
  const type = typeOf(typeUrl);
  const value = type.encode(type.fromObject(resource)).finish();
  return { type_url: typeUrl, any: anyType.encode({ type_url: typeUrl, value }).finish() };
}

/** Decodes one resource object from its Any encoding (as the sidecar receives it). */
export function decodeResource(encoded: EncodedResource): Record<string, unknown> {
  const type = typeOf(encoded.type_url);
  const { value } = anyType.decode(encoded.any) as unknown as { value: Uint8Array };
  return { '@type': encoded.type_url, ...type.toObject(type.decode(value), toObjectOptions) };
}

function serialize(type: protobuf.Type) {
  return (message: object): Buffer => Buffer.from(type.encode(type.fromObject(message)).finish());
}

function deserialize<T>(type: protobuf.Type) {
  return (bytes: Buffer): T => type.toObject(type.decode(bytes), toObjectOptions) as T;
}

const adsPath = '/envoy.service.discovery.v3.AggregatedDiscoveryService/';
const deserializeRequest = deserialize<DiscoveryRequest__Output>(discoveryRequest);

/** The ADS service for grpc-js: the SotW stream only; grpc-js answers the delta method UNIMPLEMENTED. */
export const aggregatedDiscoveryService = {
  StreamAggregatedResources: {
    path: `${adsPath}StreamAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: serialize(discoveryRequest),
    // ACKs, by far the most requests, are read by hand; anything else by protobufjs.
    requestDeserialize: (bytes: Buffer): DiscoveryRequest__Output =>
      readPlainDiscoveryRequest(bytes) ?? deserializeRequest(bytes),
    responseSerialize: encodeDiscoveryResponse,
    responseDeserialize: deserialize<DiscoveryResponseIn>(discoveryResponse),
  },
} satisfies grpc.ServiceDefinition;

export type AdsClient = grpc.Client & {
  StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequestOut, DiscoveryResponseIn>;
};

const AdsClientStub = grpc.makeGenericClientConstructor(aggregatedDiscoveryService, 'AggregatedDiscoveryService');

/** A client of the ADS service at `address` (plaintext). */
export function createAdsClient(
  address: string,
  options: grpc.ChannelOptions = {},
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): AdsClient {
  return new AdsClientStub(address, credentials, options) as unknown as AdsClient;
}

/** google.protobuf.Struct (as decoded) to a plain JSON object. */
export function structToObject(struct: Struct__Output | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = valueToJson(value);
  return out;
}

function valueToJson(value: Value__Output): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.numberValue !== undefined) return value.numberValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.structValue !== undefined) return structToObject(value.structValue);
  if (value.listValue !== undefined) return (value.listValue.values ?? []).map(valueToJson);
  return null;
}

/** A plain JSON object to google.protobuf.Struct (as encoded). */
export function objectToStruct(object: Record<string, unknown>): Struct {
  const fields: Record<string, Value> = {};
  for (const [key, value] of Object.entries(object)) fields[key] = jsonToValue(value);
  return { fields };
}

function jsonToValue(value: unknown): Value {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) } };
  if (value !== null && typeof value === 'object')
    return { structValue: objectToStruct(value as Record<string, unknown>) };
  return { nullValue: 'NULL_VALUE' };
}
