// A snapshot's references checked before the cache stores it (go-control-plane's
// Snapshot.Consistent()): every route configuration a listener names over RDS, every cluster a
// route or a TCP proxy sends to, and every EDS cluster's load assignment is in the snapshot.
import type { AnyExtension } from '@grpc/proto-loader';
import type { Listener } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';
import type { HttpConnectionManager } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import type { TcpProxy } from '../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy.js';
import { TYPE_URL, type ResourceTypeUrl } from '../../../proto/xds.js';
import type { KeptNames } from '../translate/group-memo.js';
import { INBOUND_APP_CLUSTER } from '../translate/inbound.js';
import type { ResourceSnapshot } from '../translate/resources.js';

/** A snapshot that names a resource it does not hold: the cache keeps the group's last good one. */
export class InconsistentSnapshotError extends Error {
  override readonly name = 'InconsistentSnapshotError';
  constructor(
    readonly group: string,
    readonly problems: readonly string[],
  ) {
    super(`snapshot of group "${group}" is inconsistent: ${problems.join('; ')}`);
  }
}

/**
 * What the snapshot references but does not hold, one sentence each; empty when consistent. With
 * `kept`, the names of resources the snapshot keeps from the last one (checked when they came):
 * they count as held.
 */
export function snapshotProblems(snapshot: ResourceSnapshot, kept: KeptNames = {}): string[] {
  const problems: string[] = [];
  const clusters = snapshot[TYPE_URL.cluster];
  const holds = (typeUrl: ResourceTypeUrl, name: string) =>
    snapshot[typeUrl].has(name) || (kept[typeUrl]?.has(name) ?? false);
  const needCluster = (cluster: string | undefined, where: string) => {
    // The inbound listener's local app is the sidecar's own cluster, never sent over CDS.
    if (cluster !== undefined && cluster !== INBOUND_APP_CLUSTER && !holds(TYPE_URL.cluster, cluster))
      problems.push(`${where} sends to cluster "${cluster}", which is not in the snapshot`);
  };
  const checkRoutes = (config: RouteConfiguration, where: string) => {
    for (const virtualHost of config.virtual_hosts ?? []) {
      for (const route of virtualHost.routes ?? []) {
        const at = `${where} virtual host "${virtualHost.name ?? ''}" route "${route.name ?? ''}"`;
        const action = route.route ?? undefined;
        needCluster(action?.cluster, at);
        for (const weighted of action?.weighted_clusters?.clusters ?? []) needCluster(weighted.name, at);
        for (const mirror of action?.request_mirror_policies ?? []) needCluster(mirror.cluster, `${at} (mirror)`);
      }
    }
  };
  const checkHcm = (hcm: HttpConnectionManager, where: string) => {
    const rdsName = hcm.rds?.route_config_name;
    if (rdsName !== undefined && !holds(TYPE_URL.route, rdsName))
      problems.push(`${where} names route configuration "${rdsName}" (RDS), which is not in the snapshot`);
    if (hcm.route_config) checkRoutes(hcm.route_config, `${where} inline route configuration`);
  };

  for (const [name, listener] of snapshot[TYPE_URL.listener]) {
    const where = `listener "${name}"`;
    const apiListener = listener.api_listener?.api_listener;
    if (isTyped<HttpConnectionManager>(apiListener, TYPE_URL.httpConnectionManager)) checkHcm(apiListener, where);
    for (const filter of filterConfigs(listener)) {
      if (isTyped<HttpConnectionManager>(filter, TYPE_URL.httpConnectionManager)) checkHcm(filter, where);
      if (isTyped<TcpProxy>(filter, TYPE_URL.tcpProxy)) {
        needCluster(filter.cluster, `${where} (tcp_proxy)`);
        for (const weighted of filter.weighted_clusters?.clusters ?? [])
          needCluster(weighted.name, `${where} (tcp_proxy)`);
      }
    }
  }
  for (const [name, config] of snapshot[TYPE_URL.route]) checkRoutes(config, `route configuration "${name}"`);
  for (const [name, cluster] of clusters) {
    if (cluster.type !== 'EDS') continue;
    const serviceName = cluster.eds_cluster_config?.service_name || name;
    if (!holds(TYPE_URL.endpoint, serviceName))
      problems.push(`EDS cluster "${name}" has no ClusterLoadAssignment "${serviceName}" in the snapshot`);
  }
  return problems;
}

function filterConfigs(listener: Listener): unknown[] {
  return (listener.filter_chains ?? []).flatMap((chain) => (chain.filters ?? []).map((filter) => filter.typed_config));
}

function isTyped<T>(config: unknown, typeUrl: string): config is T & AnyExtension {
  return typeof config === 'object' && config !== null && (config as Partial<AnyExtension>)['@type'] === typeUrl;
}
