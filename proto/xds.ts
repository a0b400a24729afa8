// The xDS v3 wire edge: Envoy's protos from the pinned @grpc/grpc-js-xds and our own resource types
// (proto/pilotfish/v1), loaded once, the ADS service definition for grpc-js, and Any encoding of
// resources. Resources are plain objects with
// protocol field names (keepCase); nested Any values carry '@type'.
import * as grpc from '@grpc/grpc-js';
import '@grpc/proto-loader';
import { loadProtosWithOptionsSync } from '@grpc/proto-loader/build/src/util.js';
import protobuf from 'protobufjs';
import type { DiscoveryRequest__Output } from './gen/envoy/service/discovery/v3/DiscoveryRequest.js';
import type { DiscoveryResponse__Output } from './gen/envoy/service/discovery/v3/DiscoveryResponse.js';
import type { Struct__Output } from './gen/google/protobuf/Struct.js';
import type { Value__Output } from './gen/google/protobuf/Value.js';
import { envoyIncludeDirs, pilotfishProtoDir } from './paths.js';

export const TYPE_URL = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  httpConnectionManager:
    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  tcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  httpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  fault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  localRateLimit: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  stdoutAccessLog: 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  downstreamTlsContext: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  /** Our own resource type: a service's app parameters (ServiceConfig kind), named by service FQDN. */
  serviceConfig: 'type.googleapis.com/pilotfish.v1.ServiceConfig',
} as const;

/**
 * The resource types this mesh serves, in the order a client should apply them (CDS before EDS,
 * LDS before RDS). ServiceConfig stands alone; only our sidecar asks for it.
 */
export const RESOURCE_TYPE_URLS = [
  TYPE_URL.cluster,
  TYPE_URL.endpoint,
  TYPE_URL.listener,
  TYPE_URL.route,
  TYPE_URL.serviceConfig,
] as const;
export type ResourceTypeUrl = (typeof RESOURCE_TYPE_URLS)[number];

export function isResourceTypeUrl(typeUrl: string): typeUrl is ResourceTypeUrl {
  return (RESOURCE_TYPE_URLS as readonly string[]).includes(typeUrl);
}

export const HCM_FILTER_NAME = 'envoy.filters.network.http_connection_manager';
export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';
export const TCP_PROXY_FILTER_NAME = 'envoy.filters.network.tcp_proxy';

const root = loadProtosWithOptionsSync(
  [
    'envoy/service/discovery/v3/ads.proto',
    'envoy/config/listener/v3/listener.proto',
    'envoy/config/route/v3/route.proto',
    'envoy/config/cluster/v3/cluster.proto',
    'envoy/config/endpoint/v3/endpoint.proto',
    'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
    'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
    'envoy/extensions/filters/http/router/v3/router.proto',
    'envoy/extensions/filters/http/fault/v3/fault.proto',
    'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
    'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
    'envoy/extensions/access_loggers/stream/v3/stream.proto',
    'envoy/extensions/transport_sockets/tls/v3/tls.proto',
    'pilotfish/v1/service_config.proto',
  ],
  { keepCase: true, includeDirs: [...envoyIncludeDirs, pilotfishProtoDir] },
);

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

/** A resource as it travels inside a DiscoveryResponse: encoded once, as a whole Any, sent to many. */
export interface EncodedResource {
  type_url: string;
  /** The google.protobuf.Any message, encoded. */
  any: Uint8Array;
}

/** An outgoing DiscoveryResponse; resources are already encoded. */
export interface DiscoveryResponseOut {
  version_info: string;
  resources: EncodedResource[];
  type_url: string;
  nonce: string;
}

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

// DiscoveryResponse field tags (field number << 3 | wire type 2): version_info 1, resources 2,
// type_url 4, nonce 5. Writing them directly copies each pre-encoded Any once, instead of
// rebuilding a message object per resource per stream.
const VERSION_INFO = 10;
const RESOURCES = 18;
const RESPONSE_TYPE_URL = 34;
const NONCE = 42;

function encodeDiscoveryResponse(response: DiscoveryResponseOut): Buffer {
  const writer = protobuf.Writer.create();
  if (response.version_info) writer.uint32(VERSION_INFO).string(response.version_info);
  for (const resource of response.resources) writer.uint32(RESOURCES).bytes(resource.any);
  writer.uint32(RESPONSE_TYPE_URL).string(response.type_url);
  writer.uint32(NONCE).string(response.nonce);
  return Buffer.from(writer.finish());
}

/** What a DiscoveryResponse says without decoding its resources: for clients that only count. */
export function summarizeDiscoveryResponse(bytes: Buffer): {
  version_info: string;
  nonce: string;
  type_url: string;
  resources: number;
} {
  const message = discoveryResponse.decode(bytes) as unknown as {
    version_info: string;
    nonce: string;
    type_url: string;
    resources: unknown[];
  };
  return {
    version_info: message.version_info,
    nonce: message.nonce,
    type_url: message.type_url,
    resources: message.resources.length,
  };
}

function serialize(type: protobuf.Type) {
  return (message: object): Buffer => Buffer.from(type.encode(type.fromObject(message)).finish());
}

function deserialize<T>(type: protobuf.Type) {
  return (bytes: Buffer): T => type.toObject(type.decode(bytes), toObjectOptions) as T;
}

const adsPath = '/envoy.service.discovery.v3.AggregatedDiscoveryService/';

/** The ADS service for grpc-js: the SotW stream only; grpc-js answers the delta method UNIMPLEMENTED. */
export const aggregatedDiscoveryService = {
  StreamAggregatedResources: {
    path: `${adsPath}StreamAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: serialize(discoveryRequest),
    requestDeserialize: deserialize<DiscoveryRequest__Output>(discoveryRequest),
    responseSerialize: encodeDiscoveryResponse,
    responseDeserialize: deserialize<DiscoveryResponseIn>(discoveryResponse),
  },
} satisfies grpc.ServiceDefinition;

export type AdsClient = grpc.Client & {
  StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequestOut, DiscoveryResponseIn>;
};

const AdsClientStub = grpc.makeGenericClientConstructor(aggregatedDiscoveryService, 'AggregatedDiscoveryService');

/** A client of the ADS service at `address` (plaintext). */
export function createAdsClient(address: string, options: grpc.ChannelOptions = {}): AdsClient {
  return new AdsClientStub(address, grpc.credentials.createInsecure(), options) as unknown as AdsClient;
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
export function objectToStruct(object: Record<string, unknown>): object {
  const fields: Record<string, object> = {};
  for (const [key, value] of Object.entries(object)) fields[key] = jsonToValue(value);
  return { fields };
}

function jsonToValue(value: unknown): object {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) } };
  if (value !== null && typeof value === 'object')
    return { structValue: objectToStruct(value as Record<string, unknown>) };
  return { nullValue: 'NULL_VALUE' };
}
