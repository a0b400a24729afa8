// Pure translation of the registry and the policy config into xDS resources for one node group
// (a namespace): the sidecar's `outbound` listener and route table, one api_listener per service
// host name for proxyless gRPC clients, an EDS cluster with its load assignment per service and per
// subset, each service's `inbound|FQDN` listener (its rate limits), an `outbound|PORT||FQDN` TCP
// listener per TCP port a Service declares, and each ServiceConfig (app parameters) as a
// pilotfish.v1.ServiceConfig named by the service FQDN. A gateway's group gets the same clusters
// and, instead of the sidecar listeners, its Gateway's servers (gateway.ts). Every HTTP listener
// carries the MeshConfig's tracing and access log (observability.ts).
import type { Protocol, ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/registry.js';
import { HCM_FILTER_NAME, TYPE_URL, objectToStruct } from '../../../proto/xds.js';
import type { LoadBalancerSpec } from '../config/destination-policy-schema.js';
import { appliesToMesh } from '../config/gateway-attachments.js';
import { EMPTY_CONFIG_SET, type ConfigSet } from '../config/config-set.js';
import { resolveService, subsetClusterName } from '../config/service-ref.js';
import { clusterPolicyFields, hashPolicy, subsetPolicy, type ClusterPolicy } from './destination-policy.js';
import { gatewayOfGroup, gatewayResources } from './gateway.js';
import { ADS_SOURCE, httpConnectionManager, httpFilters } from './http-connection-manager.js';
import { inboundListener, inboundListenerName, WEBSOCKET_UPGRADES } from './inbound.js';
import { hcmObservability } from './observability.js';
import { serviceDomains, serviceFqdn } from './names.js';
import type { ResourceSnapshot } from './resources.js';
import { hasFaults, ruleRoutes, serviceRoute } from './route-rules.js';
import { serviceConfigName, serviceConfigResource } from './service-config.js';
import { tcpListener, tcpListenerName } from './tcp.js';

export const OUTBOUND = 'outbound';

const CONNECT_TIMEOUT = { seconds: 5 };
// Kubernetes' well-known topology labels give an instance its locality.
const REGION_LABEL = 'topology.kubernetes.io/region';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** A service as translate sees it: registered instances, or none yet when only config names it. */
interface MeshService {
  name: string;
  namespace: string;
  fqdn: string;
  protocol: Protocol;
  instances: readonly ServiceInstance[];
}

/**
 * The resources of one node group: a namespace's sidecars and proxyless clients, or one gateway
 * (its group named by gatewayGroup), which gets its Gateway's servers instead of sidecar listeners.
 */
export function translate(
  services: readonly ServiceView[],
  group: string,
  config: ConfigSet = EMPTY_CONFIG_SET,
): ResourceSnapshot {
  const namespace = group;
  const gateway = gatewayOfGroup(group);
  const snapshot: ResourceSnapshot = {
    [TYPE_URL.cluster]: new Map(),
    [TYPE_URL.endpoint]: new Map(),
    [TYPE_URL.listener]: new Map(),
    [TYPE_URL.route]: new Map(),
    [TYPE_URL.serviceConfig]: new Map(),
  };
  const policies = new Map(
    config.destinationPolicies.map((policy) => [
      resolveService(policy.spec.host, policy.metadata.namespace).fqdn,
      policy.spec,
    ]),
  );
  const meshRoutes = config.routes.filter(appliesToMesh);
  const routes = new Map(
    meshRoutes.map((route) => [resolveService(route.spec.host, route.metadata.namespace).fqdn, route]),
  );
  const rateLimits = new Map(
    config.rateLimits.map((limit) => [resolveService(limit.spec.host, limit.metadata.namespace).fqdn, limit]),
  );
  const meshServices = meshServicesOf(services, config);

  // Every cluster's load balancer first: routes to a ring-hash cluster carry its hash policy.
  const balancers = new Map<string, LoadBalancerSpec | undefined>();
  for (const service of meshServices) {
    const policy = policies.get(service.fqdn);
    balancers.set(service.fqdn, policy?.loadBalancer);
    for (const subset of policy?.subsets ?? [])
      balancers.set(
        subsetClusterName(service.fqdn, subset.name),
        subsetPolicy(policy as NonNullable<typeof policy>, subset).loadBalancer,
      );
  }
  const hashPolicyOf = (cluster: string) => hashPolicy(balancers.get(cluster));

  const observability = hcmObservability(config.mesh);
  const virtualHosts: object[] = [];
  for (const service of meshServices) {
    const { fqdn, protocol } = service;
    const policy = policies.get(fqdn);
    snapshot[TYPE_URL.cluster].set(fqdn, cluster(fqdn, protocol, policy));
    snapshot[TYPE_URL.endpoint].set(fqdn, loadAssignment(fqdn, service.instances));
    for (const subset of policy?.subsets ?? []) {
      const name = subsetClusterName(fqdn, subset.name);
      const selected = service.instances.filter((instance) =>
        Object.entries(subset.labels).every(([key, value]) => instance.labels[key] === value),
      );
      snapshot[TYPE_URL.cluster].set(
        name,
        cluster(name, protocol, subsetPolicy(policy as NonNullable<typeof policy>, subset)),
      );
      snapshot[TYPE_URL.endpoint].set(name, loadAssignment(name, selected));
    }
    if (protocol === 'tcp' || gateway !== undefined) continue;
    snapshot[TYPE_URL.listener].set(
      inboundListenerName(fqdn),
      inboundListener(fqdn, rateLimits.get(fqdn), observability),
    );
    const domains = serviceDomains(service.name, service.namespace, namespace);
    const route = routes.get(fqdn);
    const virtualHost = {
      name: fqdn,
      domains,
      routes: [...(route ? ruleRoutes(route, hashPolicyOf) : []), serviceRoute(fqdn, hashPolicyOf)],
    };
    virtualHosts.push(virtualHost);
    for (const domain of domains) snapshot[TYPE_URL.listener].set(domain, apiListener(domain, virtualHost));
  }
  if (gateway !== undefined) {
    const resources = gatewayResources(gateway, config, hashPolicyOf);
    snapshot[TYPE_URL.listener] = resources.listeners;
    snapshot[TYPE_URL.route] = resources.routes;
    return snapshot;
  }
  for (const service of config.services) {
    const fqdn = resolveService(service.metadata.name, service.metadata.namespace).fqdn;
    for (const { port, protocol } of service.spec.ports ?? []) {
      if (protocol === 'tcp')
        snapshot[TYPE_URL.listener].set(
          tcpListenerName(port, fqdn),
          tcpListener(port, fqdn, policies.get(fqdn)?.connectionPool),
        );
    }
  }
  snapshot[TYPE_URL.listener].set(OUTBOUND, outboundListener(hasFaults(meshRoutes), observability));
  snapshot[TYPE_URL.route].set(OUTBOUND, { name: OUTBOUND, virtual_hosts: virtualHosts });
  // Every group holds every service's config (as it holds every cluster); a sidecar asks by name
  // for its own service's only, and is pushed only when that one changes.
  for (const document of config.serviceConfigs)
    snapshot[TYPE_URL.serviceConfig].set(serviceConfigName(document), serviceConfigResource(document));
  return snapshot;
}

/**
 * The registered services, plus those config declares or names that have no instance now: their
 * clusters exist (empty) so that routes to them stay consistent while they come and go.
 */
function meshServicesOf(services: readonly ServiceView[], config: ConfigSet): MeshService[] {
  const byFqdn = new Map<string, MeshService>();
  for (const service of services) {
    const fqdn = serviceFqdn(service.name, service.namespace);
    byFqdn.set(fqdn, {
      name: service.name,
      namespace: service.namespace,
      fqdn,
      protocol: service.instances[0]?.protocol ?? 'http',
      instances: service.instances,
    });
  }
  const add = (host: string, namespace: string, protocol: Protocol = 'http') => {
    const ref = resolveService(host, namespace);
    if (!byFqdn.has(ref.fqdn)) byFqdn.set(ref.fqdn, { ...ref, protocol, instances: [] });
  };
  for (const service of config.services)
    add(service.metadata.name, service.metadata.namespace, service.spec.ports?.[0]?.protocol);
  for (const document of [...config.routes, ...config.destinationPolicies, ...config.rateLimits])
    add(document.spec.host, document.metadata.namespace);
  for (const route of config.routes) {
    for (const rule of route.spec.rules) {
      for (const destination of rule.destinations) add(destination.service, route.metadata.namespace);
      if (rule.mirror) add(rule.mirror.service, route.metadata.namespace);
    }
  }
  return [...byFqdn.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

function outboundListener(withFaults: boolean, observability: object): object {
  return {
    name: OUTBOUND,
    address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
    filter_chains: [
      {
        filters: [
          {
            name: HCM_FILTER_NAME,
            typed_config: httpConnectionManager(
              OUTBOUND,
              {
                rds: { route_config_name: OUTBOUND, config_source: ADS_SOURCE },
                ...observability,
                upgrade_configs: WEBSOCKET_UPGRADES,
              },
              httpFilters(withFaults),
            ),
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

function cluster(name: string, protocol: Protocol, policy: ClusterPolicy | undefined): object {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS_SOURCE, service_name: name },
    connect_timeout: CONNECT_TIMEOUT,
    lb_policy: 'ROUND_ROBIN',
    ...clusterPolicyFields(policy, protocol),
  };
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
