// For tests: the xDS resources the control plane sends a sidecar, in its exact shapes, and the
// same resources as the sidecar receives them (through the wire encoding, so oneof
// discriminators, enums and defaults are what ADS delivers). Tests mutate the sent shapes.
import {
  CONNECTION_LIMIT_FILTER_NAME,
  HCM_FILTER_NAME,
  ROUTER_FILTER_NAME,
  TYPE_URL,
  decodeResource,
  encodeResource,
  objectToStruct,
} from '../../proto/xds.js';
import type { XdsResourceSet } from '../src/xds/resource-set.js';

/** Free-form resource JSON, as a control plane (or a test playing a broken one) writes it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures are written as loose JSON on purpose
export type Json = Record<string, any>;

export interface EndpointFixture {
  port: number;
  address?: string;
  hostname?: string;
  health?: string;
}

export interface ServiceFixture {
  name: string;
  namespace: string;
  endpoints: EndpointFixture[];
  protocol?: 'http' | 'http2';
}

export interface SentResources {
  listeners: Json[];
  routes: Json[];
  clusters: Json[];
  endpoints: Json[];
}

export const clusterName = (service: ServiceFixture): string =>
  `${service.name}.${service.namespace}.svc.cluster.local`;

/** What the control plane sends a sidecar in `namespace` when the mesh has `services`. */
export function sentResources(namespace: string, services: ServiceFixture[]): SentResources {
  return {
    listeners: [outboundListener()],
    routes: [outboundRoutes(namespace, services)],
    clusters: services.map(cluster),
    endpoints: services.map(loadAssignment),
  };
}

/** The resources after encoding and decoding, keyed by name, as the ADS client hands them to compile. */
export function received(sent: SentResources): XdsResourceSet {
  const byName = (typeUrl: string, resources: Json[], key = 'name') =>
    new Map(
      resources.map((resource) => [
        resource[key] as string,
        decodeResource(encodeResource(typeUrl, resource)) as never,
      ]),
    );
  return {
    listeners: byName(TYPE_URL.listener, sent.listeners),
    routes: byName(TYPE_URL.route, sent.routes),
    clusters: byName(TYPE_URL.cluster, sent.clusters),
    endpoints: byName(TYPE_URL.endpoint, sent.endpoints, 'cluster_name'),
  };
}

function outboundListener(): Json {
  return {
    name: 'outbound',
    address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
    filter_chains: [
      {
        filters: [
          {
            name: CONNECTION_LIMIT_FILTER_NAME,
            typed_config: {
              '@type': TYPE_URL.connectionLimit,
              stat_prefix: 'outbound',
              max_connections: { value: 1024 },
            },
          },
          {
            name: HCM_FILTER_NAME,
            typed_config: {
              '@type': TYPE_URL.httpConnectionManager,
              stat_prefix: 'outbound',
              codec_type: 'AUTO',
              strip_any_host_port: true,
              request_headers_timeout: { seconds: 10 },
              common_http_protocol_options: { max_headers_count: { value: 100 } },
              rds: { route_config_name: 'outbound', config_source: { ads: {}, resource_api_version: 'V3' } },
              http_filters: [{ name: ROUTER_FILTER_NAME, typed_config: { '@type': TYPE_URL.router } }],
            },
          },
        ],
      },
    ],
  };
}

function outboundRoutes(namespace: string, services: ServiceFixture[]): Json {
  return {
    name: 'outbound',
    virtual_hosts: services.map((service) => {
      const fqdn = clusterName(service);
      const names = [`${service.name}.${service.namespace}`, `${service.name}.${service.namespace}.svc`, fqdn];
      return {
        name: fqdn,
        // Short names only for services in the sidecar's own namespace.
        domains: service.namespace === namespace ? [service.name, ...names] : names,
        routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: fqdn } }],
      };
    }),
  };
}

function cluster(service: ServiceFixture): Json {
  const name = clusterName(service);
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: name },
    connect_timeout: { seconds: '5' },
    lb_policy: 'ROUND_ROBIN',
    ...(service.protocol === 'http2'
      ? {
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': TYPE_URL.httpProtocolOptions,
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
        }
      : {}),
  };
}

function loadAssignment(service: ServiceFixture): Json {
  return {
    cluster_name: clusterName(service),
    endpoints: [
      {
        locality: { region: '', zone: '' },
        load_balancing_weight: { value: 1 },
        lb_endpoints: service.endpoints.map((endpoint, index) => ({
          endpoint: {
            address: { socket_address: { address: endpoint.address ?? '127.0.0.1', port_value: endpoint.port } },
            hostname: endpoint.hostname ?? `${service.name}-${index + 1}`,
          },
          health_status: endpoint.health ?? 'HEALTHY',
          load_balancing_weight: { value: 1 },
          metadata: { filter_metadata: { 'envoy.lb': objectToStruct({ version: 'v1' }) } },
        })),
      },
    ],
  };
}
