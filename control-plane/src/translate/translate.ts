// Pure translation of the registry and the policy config into xDS resources for one node group
// (a namespace): the sidecar's `outbound` listener and route table, one api_listener per service
// host name for proxyless gRPC clients, an EDS cluster with its load assignment per service and per
// subset, each service's `inbound|FQDN` listener (its rate limits), an `outbound|PORT||FQDN` TCP
// listener per TCP port a Service declares, and each ServiceConfig (app parameters) as a
// pilotfish.v1.ServiceConfig named by the service FQDN. A gateway's group gets the same clusters
// and, instead of the sidecar listeners, its Gateway's servers (gateway.ts); a Sidecar's scoped
// group only the services its egress hosts allow (sidecar-scope.ts). Every HTTP listener carries
// the MeshConfig's tracing and access log (observability.ts), a sidecar listener its listener
// limits (listener-limits.ts). A service's virtual IP is one
// of its virtual host's domains and an additional address of its TCP listeners, so an intercepting
// sidecar knows it; the MeshConfig's outboundTrafficPolicy is the outbound listener's default chain.
// In a mesh with a CA, sidecars call and answer each other in mutual TLS as PeerAuthentication says
// (mutual-tls.ts). translateGroup rebuilds only the services whose inputs changed since the group's
// last translation (group-memo.ts) and names the rest as kept.
import type { Protocol, ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/service-view.js';
import type { Cluster } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment } from '../../../proto/gen/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Listener } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { VirtualHost } from '../../../proto/gen/envoy/config/route/v3/VirtualHost.js';
import { HCM_FILTER_NAME, TYPE_URL, objectToStruct } from '../../../proto/xds.js';
import type { LoadBalancerSpec } from '../config/destination-policy-schema.js';
import { appliesToMesh } from '../config/gateway-attachments.js';
import { EMPTY_CONFIG_SET, type ConfigSet } from '../config/config-set.js';
import { resolveService, subsetClusterName } from '../config/service-ref.js';
import { clusterPolicyFields, hashPolicy, subsetPolicy, type ClusterPolicy } from './destination-policy.js';
import { gatewayOfGroup, gatewayResources } from './gateway.js';
import { ADS_SOURCE, httpConnectionManager, httpFilters } from './http-connection-manager.js';
import { inboundListener, inboundListenerName, WEBSOCKET_UPGRADES } from './inbound.js';
import type { ListenerLimitsSpec } from '../config/mesh-config-schema.js';
import { connectionLimitFilter, hcmLimits } from './listener-limits.js';
import { hcmObservability, type HcmObservability } from './observability.js';
import { serviceDomains, serviceFqdn } from './names.js';
import type { ResourceSnapshot } from './resources.js';
import { defaultRetries, hasFaults, ruleRoutes, serviceRoute } from './route-rules.js';
import { serviceConfigName, serviceConfigResource } from './service-config.js';
import { inboundTcpListener, policiesFor, rbacHttpFilters } from './rbac-filters.js';
import { scopedServices, scopeOfGroup } from './sidecar-scope.js';
import { tcpListener, tcpListenerName } from './tcp.js';
import type { AuthorizationPolicyDocument } from '../config/authorization-policy-schema.js';
import { clusterMutualTls, isMutualTlsEndpoint, mutualTlsMetadata } from './mutual-tls.js';
import { peerAuthenticationModes, PLAINTEXT_ONLY, type PeerAuthenticationModes } from './peer-authentication.js';
import { BLACK_HOLE_CLUSTER, blackHoleCluster, outboundDefaultChain } from './outbound-traffic-policy.js';
import { haveSameItems, keep, reuseOf, type GroupMemo, type KeptNames, type ServiceMemo } from './group-memo.js';

export const OUTBOUND = 'outbound';

export interface TranslateOptions {
  /** The mesh has a CA: sidecars have certificates, and PeerAuthentication (STRICT by default) holds. */
  hasMutualTls?: boolean;
}

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
  /** The address clients dial for the whole service (intercept mode), from its registry source or its Service document. */
  virtualIp: string | undefined;
}

/**
 * The resources of one node group: a namespace's sidecars and proxyless clients, or one gateway
 * (its group named by gatewayGroup), which gets its Gateway's servers instead of sidecar listeners.
 */
export function translate(
  services: readonly ServiceView[],
  group: string,
  config: ConfigSet = EMPTY_CONFIG_SET,
  options: TranslateOptions = {},
): ResourceSnapshot {
  return translateGroup(services, group, config, options).resources;
}

/** A group's translation against its previous one: the new resources, and the names that stay as they were. */
export interface GroupTranslation {
  resources: ResourceSnapshot;
  /** Names whose resource is unchanged since the translation `previous` described (the cache keeps their encoding). */
  kept: KeptNames;
  /** Give it back to the next translation of the group, once the cache took this one. */
  memo: GroupMemo;
}

/**
 * translate, rebuilding only what changed since `previous` (the memo of the group's translation the
 * cache holds): the same resources, with those of unchanged services named in `kept` instead.
 */
export function translateGroup(
  services: readonly ServiceView[],
  group: string,
  config: ConfigSet = EMPTY_CONFIG_SET,
  options: TranslateOptions = {},
  previous?: GroupMemo,
): GroupTranslation {
  const hasMutualTls = options.hasMutualTls ?? false;
  const memo = previous?.config === config && previous.hasMutualTls === hasMutualTls ? previous : undefined;
  const kept: KeptNames = {};
  const memos = new Map<string, ServiceMemo>();
  const gateway = gatewayOfGroup(group);
  const scope = scopeOfGroup(group);
  const namespace = scope?.namespace ?? group;
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
  // A scoped group (a Sidecar selects its sidecars) gets what its egress hosts allow; should its
  // Sidecar be gone, everything, as its namespace's group.
  const sidecar = config.sidecars.find(
    (document) => document.metadata.namespace === scope?.namespace && document.metadata.name === scope.name,
  );
  const scoped = sidecar && scopedServices(sidecar, meshServices, config);
  const hasCluster = (fqdn: string) => scoped?.clusters.has(fqdn) ?? true;
  const isCallable = (fqdn: string) => scoped?.callable.has(fqdn) ?? true;

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
  const retries = defaultRetries(config.mesh);
  /** A service's listeners (inbound, TCP inbound, an api listener per domain) and its virtual host. */
  const listenersOf = (
    service: MeshService,
    mode: PeerAuthenticationModes,
    policies: readonly AuthorizationPolicyDocument[],
  ) => {
    const { fqdn, protocol } = service;
    const listeners = new Map<string, Listener>();
    const hasListeners = protocol !== 'tcp' && gateway === undefined;
    if (hasListeners)
      listeners.set(
        inboundListenerName(fqdn),
        inboundListener(
          fqdn,
          rateLimits.get(fqdn),
          observability,
          config.mesh.listenerLimits,
          mode,
          rbacHttpFilters(policies),
        ),
      );
    const tcpInbound =
      protocol === 'tcp' && gateway === undefined ? inboundTcpListener(fqdn, policies, mode) : undefined;
    if (tcpInbound !== undefined) listeners.set(tcpInbound.name as string, tcpInbound);
    if (!hasListeners || !hasCluster(fqdn) || !isCallable(fqdn)) return { listeners, virtualHost: undefined };
    const domains = serviceDomains(service.name, service.namespace, namespace);
    const route = routes.get(fqdn);
    const virtualHost: VirtualHost = {
      name: fqdn,
      domains: service.virtualIp === undefined ? domains : [...domains, service.virtualIp],
      routes: [...(route ? ruleRoutes(route, hashPolicyOf) : []), serviceRoute(fqdn, hashPolicyOf)],
      ...retries,
    };
    for (const domain of domains) listeners.set(domain, apiListener(domain, virtualHost));
    return { listeners, virtualHost };
  };
  /** A service's clusters and their load assignments (the service's, and one per subset). */
  const clustersOf = (service: MeshService, mode: PeerAuthenticationModes) => {
    const { fqdn, protocol } = service;
    const clusters = new Map<string, Cluster>();
    const endpoints = new Map<string, ClusterLoadAssignment>();
    if (!hasCluster(fqdn)) return { clusters, endpoints };
    const policy = policies.get(fqdn);
    clusters.set(fqdn, cluster(fqdn, protocol, policy, service.instances, mode));
    endpoints.set(fqdn, loadAssignment(fqdn, service.instances, mode));
    for (const subset of policy?.subsets ?? []) {
      const name = subsetClusterName(fqdn, subset.name);
      const selected = service.instances.filter((instance) =>
        Object.entries(subset.labels).every(([key, value]) => instance.labels[key] === value),
      );
      clusters.set(
        name,
        cluster(name, protocol, subsetPolicy(policy as NonNullable<typeof policy>, subset), selected, mode),
      );
      endpoints.set(name, loadAssignment(name, selected, mode));
    }
    return { clusters, endpoints };
  };
  const virtualHosts: VirtualHost[] = [];
  for (const service of meshServices) {
    const before = memo?.services.get(service.fqdn);
    let reuse = reuseOf(before, service);
    const policies = reuse === 'all' && before ? before.policies : policiesFor(config, service);
    // AuthorizationPolicies select instances by label: other instances may get other inbound filters.
    if (reuse === 'listeners' && !haveSameItems(before?.policies ?? [], policies)) reuse = 'none';
    const mode = options.hasMutualTls
      ? peerAuthenticationModes(config, service.namespace, service.name)
      : PLAINTEXT_ONLY;
    const serviceMemo: ServiceMemo = {
      protocol: service.protocol,
      virtualIp: service.virtualIp,
      instances: service.instances,
      policies,
      listeners: before?.listeners ?? [],
      clusters: before?.clusters ?? [],
      virtualHost: before?.virtualHost,
    };
    if (before === undefined || reuse === 'none') {
      const { listeners, virtualHost } = listenersOf(service, mode, policies);
      for (const [name, listener] of listeners) snapshot[TYPE_URL.listener].set(name, listener);
      serviceMemo.listeners = [...listeners.keys()];
      serviceMemo.virtualHost = virtualHost;
    } else keep(kept, TYPE_URL.listener, before.listeners);
    if (before === undefined || reuse !== 'all') {
      const { clusters, endpoints } = clustersOf(service, mode);
      for (const [name, resource] of clusters) snapshot[TYPE_URL.cluster].set(name, resource);
      for (const [name, resource] of endpoints) snapshot[TYPE_URL.endpoint].set(name, resource);
      serviceMemo.clusters = [...clusters.keys()];
    } else {
      keep(kept, TYPE_URL.cluster, before.clusters);
      keep(kept, TYPE_URL.endpoint, before.clusters);
    }
    memos.set(service.fqdn, serviceMemo);
    if (serviceMemo.virtualHost !== undefined) virtualHosts.push(serviceMemo.virtualHost);
  }
  const nextMemo: GroupMemo = { config, hasMutualTls, services: memos, virtualHosts };
  if (gateway !== undefined) {
    const resources = gatewayResources(gateway, config, hashPolicyOf);
    snapshot[TYPE_URL.listener] = resources.listeners;
    snapshot[TYPE_URL.route] = resources.routes;
    return { resources: snapshot, kept, memo: nextMemo };
  }
  const virtualIps = new Map(meshServices.map((service) => [service.fqdn, service.virtualIp]));
  for (const service of config.services) {
    const fqdn = resolveService(service.metadata.name, service.metadata.namespace).fqdn;
    for (const { port, protocol } of service.spec.ports ?? []) {
      if (protocol === 'tcp' && isCallable(fqdn))
        snapshot[TYPE_URL.listener].set(
          tcpListenerName(port, fqdn),
          tcpListener(port, fqdn, policies.get(fqdn)?.connectionPool, virtualIps.get(fqdn)),
        );
    }
  }
  if (memo === undefined) {
    snapshot[TYPE_URL.listener].set(OUTBOUND, {
      ...outboundListener(hasFaults(meshRoutes), observability, config.mesh.listenerLimits),
      ...outboundDefaultChain(config.mesh),
    });
    const blackHole = blackHoleCluster(config.mesh);
    if (blackHole !== undefined) snapshot[TYPE_URL.cluster].set(BLACK_HOLE_CLUSTER, blackHole);
    // Every group holds every service's config (as it holds every cluster); a sidecar asks by name
    // for its own service's only, and is pushed only when that one changes.
    for (const document of config.serviceConfigs)
      snapshot[TYPE_URL.serviceConfig].set(serviceConfigName(document), serviceConfigResource(document));
  } else {
    // The outbound listener, the black hole and the service configs come from the config alone.
    keep(kept, TYPE_URL.listener, [OUTBOUND]);
    if (blackHoleCluster(config.mesh) !== undefined) keep(kept, TYPE_URL.cluster, [BLACK_HOLE_CLUSTER]);
    keep(kept, TYPE_URL.serviceConfig, config.serviceConfigs.map(serviceConfigName));
  }
  if (memo !== undefined && haveSameItems(memo.virtualHosts, virtualHosts)) keep(kept, TYPE_URL.route, [OUTBOUND]);
  else snapshot[TYPE_URL.route].set(OUTBOUND, { name: OUTBOUND, virtual_hosts: virtualHosts });
  return { resources: snapshot, kept, memo: nextMemo };
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
      virtualIp: service.virtualIp,
    });
  }
  const add = (host: string, namespace: string, protocol: Protocol = 'http', virtualIp?: string) => {
    const ref = resolveService(host, namespace);
    const known = byFqdn.get(ref.fqdn);
    if (known === undefined) byFqdn.set(ref.fqdn, { ...ref, protocol, instances: [], virtualIp });
    else known.virtualIp ??= virtualIp;
  };
  for (const service of config.services)
    add(service.metadata.name, service.metadata.namespace, service.spec.ports?.[0]?.protocol, service.spec.virtualIp);
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

function outboundListener(withFaults: boolean, observability: HcmObservability, limits: ListenerLimitsSpec): Listener {
  return {
    name: OUTBOUND,
    address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
    filter_chains: [
      {
        filters: [
          connectionLimitFilter(OUTBOUND, limits),
          {
            name: HCM_FILTER_NAME,
            typed_config: httpConnectionManager(
              OUTBOUND,
              {
                rds: { route_config_name: OUTBOUND, config_source: ADS_SOURCE },
                ...observability,
                ...hcmLimits(limits),
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
function apiListener(host: string, virtualHost: VirtualHost): Listener {
  return {
    name: host,
    api_listener: {
      api_listener: httpConnectionManager(host, { route_config: { name: host, virtual_hosts: [virtualHost] } }),
    },
  };
}

function cluster(
  name: string,
  protocol: Protocol,
  policy: ClusterPolicy | undefined,
  instances: readonly ServiceInstance[],
  mode: PeerAuthenticationModes,
): Cluster {
  const identities = new Set(
    instances.flatMap((instance) => (isMutualTlsEndpoint(instance, mode) ? [instance.owner as string] : [])),
  );
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS_SOURCE, service_name: name },
    connect_timeout: CONNECT_TIMEOUT,
    lb_policy: 'ROUND_ROBIN',
    ...clusterPolicyFields(policy, protocol),
    ...clusterMutualTls(identities, protocol),
  };
}

function loadAssignment(
  fqdn: string,
  instances: readonly ServiceInstance[],
  mode: PeerAuthenticationModes,
): ClusterLoadAssignment {
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
        metadata: {
          filter_metadata: {
            'envoy.lb': objectToStruct(instance.labels),
            ...(isMutualTlsEndpoint(instance, mode) && mutualTlsMetadata()),
          },
        },
      })),
    })),
  };
}
