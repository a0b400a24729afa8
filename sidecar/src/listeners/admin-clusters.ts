// The admin /clusters view of clusters and their endpoints with counters: Envoy's text lines
// (cluster::host::stat::value) by default, JSON with ?format=json.
import type { Cluster } from '../cluster/cluster.js';
import { healthFlags } from '../cluster/cluster-endpoint.js';

export function clustersText(clusters: Iterable<Cluster>): string {
  const lines: string[] = [];
  for (const cluster of clusters) {
    for (const endpoint of cluster.endpoints) {
      const { host } = endpoint;
      const prefix = `${cluster.name}::${host.key}`;
      lines.push(
        `${prefix}::hostname::${endpoint.hostname}`,
        `${prefix}::health_flags::${healthFlags(endpoint)}`,
        `${prefix}::rq_total::${host.requests}`,
        `${prefix}::rq_active::${host.activeRequests}`,
        `${prefix}::cx_connect_fail::${host.connectFailures}`,
        `${prefix}::rq_reset::${host.resets}`,
      );
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export interface ClusterStatus {
  name: string;
  endpoints: Array<{
    address: string;
    port: number;
    hostname: string;
    health_status: string;
    health_flags: string;
    rq_total: number;
    rq_active: number;
    cx_connect_fail: number;
    rq_reset: number;
  }>;
}

export function clustersJson(clusters: Iterable<Cluster>): { clusters: ClusterStatus[] } {
  return {
    clusters: Array.from(clusters, (cluster) => ({
      name: cluster.name,
      endpoints: cluster.endpoints.map((endpoint) => ({
        address: endpoint.host.address,
        port: endpoint.host.port,
        hostname: endpoint.hostname,
        health_status: endpoint.healthStatus,
        health_flags: healthFlags(endpoint),
        rq_total: endpoint.host.requests,
        rq_active: endpoint.host.activeRequests,
        cx_connect_fail: endpoint.host.connectFailures,
        rq_reset: endpoint.host.resets,
      })),
    })),
  };
}
