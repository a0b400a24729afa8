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
import type { ServiceView } from '../registry/service-view.js';
import type { Cluster } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment } from '../../../proto/gen/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Listener } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { VirtualHost } from '../../../proto/gen/envoy/config/route/v3/VirtualHost.js';
import { TYPE_URL } from '../../../proto/xds.js';
import { inboundListenerName, OUTBOUND_LISTENER, tcpListenerName } from '../../../shared/sidecar-listener-names.js';
import type { LoadBalancerSpec } from '../config/destination-policy-schema.js';
import { appliesToMesh } from '../config/gateway-attachments.js';
import { EMPTY_CONFIG_SET, type ConfigSet } from '../config/config-set.js';
import { resolveService, subsetClusterName } from '../config/service-ref.js';
import type { AuthorizationPolicyDocument } from '../config/authorization-policy-schema.js';
import { cluster, loadAssignment } from './cluster-resources.js';
import { hashPolicy, subsetPolicy } from './destination-policy.js';
import { gatewayOfGroup, gatewayResources } from './gateway.js';
import { inboundListener } from './inbound.js';
import { meshServicesOf, type MeshService } from './mesh-services.js';
import { hcmObservability } from './observability.js';
import { apiListener, outboundListener } from './outbound.js';
import { serviceDomains } from './names.js';
import type { ResourceSnapshot } from './resources.js';
import { defaultRetries, hasFaults, ruleRoutes, serviceRoute } from './route-rules.js';
import { serviceConfigName, serviceConfigResource } from './service-config.js';
import { inboundTcpListener, policiesFor, rbacHttpFilters } from './rbac-filters.js';
import { scopedServices, scopeOfGroup } from './sidecar-scope.js';
import { tcpListener } from './tcp.js';
import { peerAuthenticationModes, PLAINTEXT_ONLY, type PeerAuthenticationModes } from './peer-authentication.js';
import { BLACK_HOLE_CLUSTER, blackHoleCluster, outboundDefaultChain } from './outbound-traffic-policy.js';
import { clusterKey, groupConfigKey, listenerKey } from './config-keys.js';
import { haveSameItems, keep, reuseOf, type GroupMemo, type KeptNames, type ServiceMemo } from './group-memo.js';

export interface TranslateOptions {
  /** The mesh has a CA: sidecars have certificates, and PeerAuthentication (STRICT by default) holds. */
  hasMutualTls?: boolean;
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
  const isSameConfig = previous?.config === config;
  const groupKey = isSameConfig ? previous.groupKey : groupConfigKey(config, hasMutualTls);
  const memo = isSameConfig || previous?.groupKey === groupKey ? previous : undefined;
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
  const destinationPolicies = new Map(
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
    const policy = destinationPolicies.get(service.fqdn);
    balancers.set(service.fqdn, policy?.loadBalancer);
    for (const subset of policy?.subsets ?? [])
      balancers.set(
        subsetClusterName(service.fqdn, subset.name),
        subsetPolicy(policy as NonNullable<typeof policy>, subset).loadBalancer,
      );
  }
  const hashPolicyOf = (cluster: string) => hashPolicy(balancers.get(cluster));
  // Asked only for services whose keys are computed (after a config change, or a rebuilt service).
  let hashPolicies: string | undefined;
  const hashPoliciesKey = () =>
    (hashPolicies ??= JSON.stringify(
      [...balancers.keys()].map((name) => [name, hashPolicyOf(name)]).filter(([, hash]) => hash !== undefined),
    ));

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
    const policy = destinationPolicies.get(fqdn);
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
    const policies = reuse === 'all' && before && isSameConfig ? before.policies : policiesFor(config, service);
    // AuthorizationPolicies select instances by label: other instances may get other inbound filters.
    if (reuse === 'listeners' && !haveSameItems(before?.policies ?? [], policies)) reuse = 'none';
    const mode = options.hasMutualTls
      ? peerAuthenticationModes(config, service.namespace, service.name)
      : PLAINTEXT_ONLY;
    const fqdn = service.fqdn;
    const keys =
      isSameConfig && before !== undefined && reuse !== 'none'
        ? before
        : {
            listenerKey: listenerKey({
              route: routes.get(fqdn),
              rateLimit: rateLimits.get(fqdn),
              mode,
              policies,
              hashPolicies: hashPoliciesKey(),
            }),
            clusterKey: clusterKey(destinationPolicies.get(fqdn), mode),
          };
    const isListenerKept = before !== undefined && reuse !== 'none' && keys.listenerKey === before.listenerKey;
    const isClusterKept = before !== undefined && reuse === 'all' && keys.clusterKey === before.clusterKey;
    const serviceMemo: ServiceMemo = {
      protocol: service.protocol,
      virtualIp: service.virtualIp,
      instances: service.instances,
      policies,
      listeners: before?.listeners ?? [],
      clusters: before?.clusters ?? [],
      virtualHost: before?.virtualHost,
      listenerKey: keys.listenerKey,
      clusterKey: keys.clusterKey,
    };
    if (!isListenerKept) {
      const { listeners, virtualHost } = listenersOf(service, mode, policies);
      for (const [name, listener] of listeners) snapshot[TYPE_URL.listener].set(name, listener);
      serviceMemo.listeners = [...listeners.keys()];
      serviceMemo.virtualHost = virtualHost;
    } else keep(kept, TYPE_URL.listener, before.listeners);
    if (!isClusterKept) {
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
  const nextMemo: GroupMemo = { config, groupKey, services: memos, virtualHosts };
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
          tcpListener(port, fqdn, destinationPolicies.get(fqdn)?.connectionPool, virtualIps.get(fqdn)),
        );
    }
  }
  if (!isSameConfig) {
    snapshot[TYPE_URL.listener].set(OUTBOUND_LISTENER, {
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
    keep(kept, TYPE_URL.listener, [OUTBOUND_LISTENER]);
    if (blackHoleCluster(config.mesh) !== undefined) keep(kept, TYPE_URL.cluster, [BLACK_HOLE_CLUSTER]);
    keep(kept, TYPE_URL.serviceConfig, config.serviceConfigs.map(serviceConfigName));
  }
  if (memo !== undefined && haveSameItems(memo.virtualHosts, virtualHosts))
    keep(kept, TYPE_URL.route, [OUTBOUND_LISTENER]);
  else snapshot[TYPE_URL.route].set(OUTBOUND_LISTENER, { name: OUTBOUND_LISTENER, virtual_hosts: virtualHosts });
  return { resources: snapshot, kept, memo: nextMemo };
}
