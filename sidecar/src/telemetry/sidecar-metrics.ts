// The sidecar's Prometheus registry (admin /stats/prometheus): Istio's request and TCP metrics,
// plus the sidecar's own, read from their owners at scrape time — the xDS stream's state and
// NACKs, the versions in force and where they came from (a control plane or the config cache); per cluster the open connections, retries, circuit breaker
// overflows, retry overflows and outlier ejections; the TCP listeners that could not bind; the
// spans exported and dropped; and the access-log lines dropped.
import { Counter, Gauge, Registry } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';
import type { SpanExportStats } from './span-export.js';
import { TcpMetrics } from './tcp-metrics.js';

export interface SidecarMetricSources {
  isXdsConnected(): boolean;
  nackCounts(): Array<[typeUrl: string, nacks: number]>;
  /** Per type URL, the xDS version in force. */
  versions(): Array<[typeUrl: string, version: string]>;
  /** Where the config in force came from. */
  configSource(): ConfigSourceLabel;
  clusters(): Iterable<ClusterCounters>;
  /** Failed binds of TCP listeners, per listener name. */
  bindFailures(): ReadonlyMap<string, number>;
  spans(): Readonly<SpanExportStats>;
  /** Access-log lines dropped: its buffer was full or stdout refused them. */
  accessLogDropped(): number;
}

const CONFIG_SOURCES = ['none', 'cache', 'control_plane'] as const;
type ConfigSourceLabel = (typeof CONFIG_SOURCES)[number];

export interface SidecarMetrics {
  registry: Registry;
  requests: RequestMetrics;
  tcp: TcpMetrics;
}

/** The message name of a type URL: RouteConfiguration, Cluster, … */
function typeName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

/** A counter whose value is read from `read` at scrape time (it only ever grows). */
function readCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => Iterable<[Record<string, string>, number]>,
): void {
  const reported = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) {
        const key = JSON.stringify(labels);
        const delta = value - (reported.get(key) ?? 0);
        if (delta > 0) this.inc(labels, delta);
        else if (!reported.has(key)) this.inc(labels, 0);
        reported.set(key, value);
      }
    },
  });
}

/** What these metrics read of a cluster (its ClusterStats, structurally). */
type ClusterStat = 'overflows' | 'retryOverflows' | 'retries' | 'ejections';
interface ClusterCounters {
  readonly name: string;
  readonly stats: Readonly<Record<ClusterStat, number>>;
  readonly endpoints: ReadonlyArray<{ readonly host: { readonly connections: number } }>;
}

function* perCluster(
  clusters: Iterable<ClusterCounters>,
  stat: ClusterStat,
): Iterable<[Record<string, string>, number]> {
  for (const cluster of clusters) yield [{ cluster_name: cluster.name }, cluster.stats[stat]];
}

export function createSidecarMetrics(sources: SidecarMetricSources): SidecarMetrics {
  const registry = new Registry();
  const requests = new RequestMetrics(registry);
  const tcp = new TcpMetrics(registry);
  new Gauge({
    name: 'pilotfish_sidecar_xds_connected',
    help: '1 while the ADS stream to the control plane is up, else 0 (the last good config keeps serving).',
    registers: [registry],
    collect() {
      this.set(sources.isXdsConnected() ? 1 : 0);
    },
  });
  readCounter(registry, 'pilotfish_sidecar_xds_nacks_total', 'xDS responses rejected, by type.', ['type'], () =>
    sources.nackCounts().map(([typeUrl, nacks]) => [{ type: typeName(typeUrl) }, nacks]),
  );
  new Gauge({
    name: 'pilotfish_sidecar_xds_config_info',
    help: 'The xDS version in force per type (value 1); a type not accepted yet has no series.',
    labelNames: ['type', 'version'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [typeUrl, version] of sources.versions())
        if (version !== '') this.set({ type: typeName(typeUrl), version }, 1);
    },
  });
  new Gauge({
    name: 'pilotfish_sidecar_config_source',
    help: 'Where the config in force came from (value 1): control_plane, the on-disk cache while no control plane has answered since start, or none yet.',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      const current = sources.configSource();
      for (const source of CONFIG_SOURCES) this.set({ source }, source === current ? 1 : 0);
    },
  });
  readCounter(
    registry,
    'pilotfish_sidecar_upstream_overflows_total',
    'Requests refused by circuit breaking (503, UO).',
    ['cluster_name'],
    () => perCluster(sources.clusters(), 'overflows'),
  );
  new Gauge({
    name: 'pilotfish_sidecar_upstream_connections',
    help: "Upstream connections open now (HTTP/1.1 and HTTP/2) to a cluster's endpoints; endpoints shared by subsets count in each.",
    labelNames: ['cluster_name'],
    registers: [registry],
    collect() {
      this.reset();
      for (const cluster of sources.clusters())
        this.set(
          { cluster_name: cluster.name },
          cluster.endpoints.reduce((sum, endpoint) => sum + endpoint.host.connections, 0),
        );
    },
  });
  readCounter(
    registry,
    'pilotfish_sidecar_upstream_retries_total',
    'Retries sent (upstream_rq_retry).',
    ['cluster_name'],
    () => perCluster(sources.clusters(), 'retries'),
  );
  readCounter(
    registry,
    'pilotfish_sidecar_upstream_retry_overflows_total',
    'Retries refused by max_retries or the retry budget.',
    ['cluster_name'],
    () => perCluster(sources.clusters(), 'retryOverflows'),
  );
  readCounter(
    registry,
    'pilotfish_sidecar_outlier_ejections_total',
    'Outlier ejections carried out.',
    ['cluster_name'],
    () => perCluster(sources.clusters(), 'ejections'),
  );
  readCounter(
    registry,
    'pilotfish_sidecar_listener_bind_failures_total',
    'TCP listeners whose port could not be bound, by listener.',
    ['listener'],
    () => [...sources.bindFailures()].map(([listener, failures]) => [{ listener }, failures]),
  );
  readCounter(registry, 'pilotfish_sidecar_spans_exported_total', 'Spans the OTLP collector accepted.', [], () => [
    [{}, sources.spans().exported],
  ]);
  readCounter(
    registry,
    'pilotfish_sidecar_spans_dropped_total',
    'Spans dropped: the export queue was full, or the collector refused or could not be reached.',
    ['reason'],
    () => {
      const { droppedQueueFull, droppedExportFailed } = sources.spans();
      return [
        [{ reason: 'queue_full' }, droppedQueueFull],
        [{ reason: 'export_failed' }, droppedExportFailed],
      ];
    },
  );
  readCounter(
    registry,
    'pilotfish_sidecar_access_log_dropped_total',
    'Access-log lines dropped: the buffer was full while stdout was slow, or stdout refused them.',
    [],
    () => [[{}, sources.accessLogDropped()]],
  );
  return { registry, requests, tcp };
}
