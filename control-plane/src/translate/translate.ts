// Pure translation of the registry into xDS resources for one node group (a namespace): the
// sidecar's `outbound` listener and route table, one api_listener per service host name for
// proxyless gRPC clients, and an EDS cluster with its load assignment per service.
import type { ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/registry.js';
import { HCM_FILTER_NAME, ROUTER_FILTER_NAME, TYPE_URL, objectToStruct } from '../../../proto/xds.js';
import { serviceDomains, serviceFqdn } from './names.js';
import type { ResourceSnapshot } from './resources.js';

export const OUTBOUND = 'outbound';

const ADS_SOURCE = { ads: {}, resource_api_version: 'V3' };
const ROUTER_FILTER = { name: ROUTER_FILTER_NAME, typed_config: { '@type': TYPE_URL.router } };
const CONNECT_TIMEOUT = { seconds: 5 };
// Kubernetes' well-known topology labels give an instance its locality.
const REGION_LABEL = 'topology.kubernetes.io/region';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

export function translate(services: readonly ServiceView[], namespace: string): ResourceSnapshot {
  const snapshot: ResourceSnapshot = {
    [TYPE_URL.cluster]: new Map(),
    [TYPE_URL.endpoint]: new Map(),
    [TYPE_URL.listener]: new Map(),
    [TYPE_URL.route]: new Map(),
  };
  const virtualHosts: object[] = [];
  for (const service of services) {
    const fqdn = serviceFqdn(service.name, service.namespace);
    const protocol = service.instances[0]?.protocol ?? 'http';
    snapshot[TYPE_URL.cluster].set(fqdn, cluster(fqdn, protocol));
    snapshot[TYPE_URL.endpoint].set(fqdn, loadAssignment(fqdn, service.instances));
    if (protocol === 'tcp') continue;
    const domains = serviceDomains(service.name, service.namespace, namespace);
    const virtualHost = { name: fqdn, domains, routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: fqdn } }] };
    virtualHosts.push(virtualHost);
    for (const domain of domains) snapshot[TYPE_URL.listener].set(domain, apiListener(domain, virtualHost));
  }
  snapshot[TYPE_URL.listener].set(OUTBOUND, outboundListener());
  snapshot[TYPE_URL.route].set(OUTBOUND, { name: OUTBOUND, virtual_hosts: virtualHosts });
  return snapshot;
}

function httpConnectionManager(statPrefix: string, routes: object): object {
  return {
    '@type': TYPE_URL.httpConnectionManager,
    stat_prefix: statPrefix,
    codec_type: 'AUTO',
    // Callers write `backend:8080`; the port names the service's port, not a different host.
    strip_any_host_port: true,
    ...routes,
    http_filters: [ROUTER_FILTER],
  };
}

function outboundListener(): object {
  return {
    name: OUTBOUND,
    address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
    filter_chains: [
      {
        filters: [
          {
            name: HCM_FILTER_NAME,
            typed_config: httpConnectionManager(OUTBOUND, {
              rds: { route_config_name: OUTBOUND, config_source: ADS_SOURCE },
            }),
          },
        ],
      },
    ],
  };
}

// A proxyless gRPC client dialing xds:///<host> asks for the listener named <host>.
function apiListener(host: string, virtualHost: object): object {
  return {
    name: host,
    api_listener: {
      api_listener: httpConnectionManager(host, { route_config: { name: host, virtual_hosts: [virtualHost] } }),
    },
  };
}

function cluster(fqdn: string, protocol: ServiceInstance['protocol']): object {
  const resource: Record<string, unknown> = {
    name: fqdn,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS_SOURCE, service_name: fqdn },
    connect_timeout: CONNECT_TIMEOUT,
    lb_policy: 'ROUND_ROBIN',
  };
  if (protocol === 'http2' || protocol === 'grpc') {
    resource.typed_extension_protocol_options = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': TYPE_URL.httpProtocolOptions,
        explicit_http_config: { http2_protocol_options: {} },
      },
    };
  }
  return resource;
}

function loadAssignment(fqdn: string, instances: readonly ServiceInstance[]): object {
  const byLocality = new Map<string, { region: string; zone: string; instances: ServiceInstance[] }>();
  for (const instance of instances) {
    const region = instance.labels[REGION_LABEL] ?? '';
    const zone = instance.labels[ZONE_LABEL] ?? '';
    const key = `${region}/${zone}`;
    let group = byLocality.get(key);
    if (!group) byLocality.set(key, (group = { region, zone, instances: [] }));
    group.instances.push(instance);
  }
  return {
    cluster_name: fqdn,
    endpoints: [...byLocality.values()].map((group) => ({
      locality: { region: group.region, zone: group.zone },
      // gRPC clients ignore a locality without a weight.
      load_balancing_weight: { value: 1 },
      lb_endpoints: group.instances.map((instance) => ({
        endpoint: {
          address: { socket_address: { address: instance.address, port_value: instance.port } },
          hostname: instance.instanceId,
        },
        health_status: 'HEALTHY',
        load_balancing_weight: { value: 1 },
        metadata: { filter_metadata: { 'envoy.lb': objectToStruct(instance.labels) } },
      })),
    })),
  };
}
