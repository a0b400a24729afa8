// `pilotfish proxy-config SIDECAR_ADMIN listeners|routes|clusters|endpoints`: what one sidecar
// holds, read from its admin /config_dump (and /clusters for live endpoint health), like
// `istioctl proxy-config`.
import { Command } from 'commander';
import { TYPE_URL } from '../../proto/type-urls.js';
import { getAdminJson } from '../admin-get.js';
import { formatTable } from '../table.js';

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument --
   decoded xDS resources as the sidecar dumps them are read field by field for display only */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Resource = Record<string, any>;

interface ConfigDump {
  nodeId: string;
  controlPlane: string;
  configs: Array<{ type_url: string; version_info: string; resources: Resource[] }>;
}

interface ClusterStatus {
  name: string;
  endpoints: Array<{
    address: string;
    port: number;
    hostname: string;
    health_flags: string;
    rq_total: number;
    rq_active: number;
  }>;
}

const KINDS = ['listeners', 'routes', 'clusters', 'endpoints'] as const;
type Kind = (typeof KINDS)[number];

export function proxyConfigCommand(): Command {
  return new Command('proxy-config')
    .description(
      'print what one sidecar holds: its listeners, routes, clusters or endpoints (from its admin /config_dump)',
    )
    .argument('<sidecar-admin>', "the sidecar's admin listener, host:port")
    .argument('<kind>', KINDS.join('|'))
    .option('--json', 'print the resources as JSON')
    .action(async (admin: string, kind: string, options: { json?: boolean }) => {
      if (!(KINDS as readonly string[]).includes(kind))
        throw new Error(`unknown kind "${kind}": expected one of ${KINDS.join(', ')}`);
      const what = 'the sidecar admin';
      const dump = await getAdminJson<ConfigDump>(admin, '/config_dump', what);
      if (kind === 'endpoints') {
        const { clusters } = await getAdminJson<{ clusters: ClusterStatus[] }>(admin, '/clusters?format=json', what);
        process.stdout.write(options.json ? `${JSON.stringify(clusters, null, 2)}\n` : `${endpointsTable(clusters)}\n`);
        return;
      }
      const resources = resourcesOf(dump, kind as Exclude<Kind, 'endpoints'>);
      process.stdout.write(
        options.json
          ? `${JSON.stringify(resources, null, 2)}\n`
          : `${TABLES[kind as Exclude<Kind, 'endpoints'>](resources)}\n`,
      );
    });
}

const TYPE_OF: Record<Exclude<Kind, 'endpoints'>, string> = {
  listeners: TYPE_URL.listener,
  routes: TYPE_URL.route,
  clusters: TYPE_URL.cluster,
};

function resourcesOf(dump: ConfigDump, kind: Exclude<Kind, 'endpoints'>): Resource[] {
  return dump.configs.find((config) => config.type_url === TYPE_OF[kind])?.resources ?? [];
}

/** A gateway server's certificate file (or `inline`); `-` for plain HTTP. */
function tlsCertificate(socket: Resource | undefined): string {
  if (socket === undefined) return '-';
  const chain = socket.typed_config?.common_tls_context?.tls_certificates?.[0]?.certificate_chain;
  return chain?.filename ?? 'inline';
}

const TABLES: Record<Exclude<Kind, 'endpoints'>, (resources: Resource[]) => string> = {
  listeners: (resources) =>
    formatTable(
      ['NAME', 'ADDRESS', 'ROUTES', 'HTTP FILTERS', 'TLS'],
      resources.map((listener) => {
        // The HttpConnectionManager is the last network filter (a connection_limit may come first).
        const hcm =
          listener.filter_chains?.[0]?.filters?.at(-1)?.typed_config ?? listener.api_listener?.api_listener ?? {};
        const socket = listener.address?.socket_address;
        return [
          listener.name,
          socket ? `${socket.address}:${socket.port_value}` : 'api_listener',
          hcm.rds?.route_config_name ?? `inline ${hcm.route_config?.name ?? ''}`,
          (hcm.http_filters ?? []).map((filter: Resource) => filter.name.replace('envoy.filters.http.', '')).join(','),
          tlsCertificate(listener.filter_chains?.[0]?.transport_socket),
        ];
      }),
    ),
  routes: (resources) =>
    formatTable(
      ['ROUTE CONFIG', 'VIRTUAL HOST', 'MATCH', 'DESTINATION', 'POLICIES'],
      resources.flatMap((config) =>
        (config.virtual_hosts ?? []).flatMap((host: Resource) =>
          (host.routes ?? []).map((route: Resource) => [
            config.name,
            host.name,
            describeMatch(route.match ?? {}),
            describeDestination(route.route ?? {}),
            describePolicies(route),
          ]),
        ),
      ),
    ),
  clusters: (resources) =>
    formatTable(
      ['NAME', 'TYPE', 'LB', 'CIRCUIT BREAKERS', 'OUTLIER DETECTION', 'HEALTH CHECK'],
      resources.map((cluster) => {
        const limits = cluster.circuit_breakers?.thresholds?.[0];
        const outlier = cluster.outlier_detection;
        const check = cluster.health_checks?.[0];
        return [
          cluster.name,
          cluster.type ?? 'STATIC',
          cluster.lb_policy ?? 'ROUND_ROBIN',
          limits
            ? `conn ${limits.max_connections?.value ?? '-'} pending ${limits.max_pending_requests?.value ?? '-'} rq ${limits.max_requests?.value ?? '-'}`
            : '-',
          outlier
            ? `5xx ${outlier.consecutive_5xx?.value ?? 5}, eject ${duration(outlier.base_ejection_time) || '30s'}`
            : '-',
          check ? `${check.http_health_check?.path ?? '?'} every ${duration(check.interval)}` : '-',
        ];
      }),
    ),
};

function endpointsTable(clusters: ClusterStatus[]): string {
  return formatTable(
    ['CLUSTER', 'ENDPOINT', 'HOSTNAME', 'HEALTH', 'RQ TOTAL', 'RQ ACTIVE'],
    clusters.flatMap((cluster) =>
      cluster.endpoints.map((endpoint) => [
        cluster.name,
        `${endpoint.address}:${endpoint.port}`,
        endpoint.hostname,
        endpoint.health_flags,
        String(endpoint.rq_total),
        String(endpoint.rq_active),
      ]),
    ),
  );
}

function describeMatch(match: Resource): string {
  const parts = [
    match.prefix !== undefined
      ? `prefix ${match.prefix}`
      : match.path !== undefined
        ? `path ${match.path}`
        : match.safe_regex
          ? `regex ${match.safe_regex.regex}`
          : '?',
  ];
  for (const header of match.headers ?? []) parts.push(`header ${header.name}`);
  for (const query of match.query_parameters ?? []) parts.push(`query ${query.name}`);
  return parts.join(', ');
}

function describeDestination(action: Resource): string {
  if (action.cluster) return action.cluster;
  return (
    (action.weighted_clusters?.clusters ?? [])
      .map((entry: Resource) => `${entry.name} ${entry.weight?.value ?? 0}`)
      .join(', ') || '-'
  );
}

function describePolicies(route: Resource): string {
  const action = route.route ?? {};
  const policies: string[] = [];
  if (action.timeout) policies.push(`timeout ${duration(action.timeout)}`);
  if (action.retry_policy)
    policies.push(`retries ${action.retry_policy.num_retries?.value ?? 1} on ${action.retry_policy.retry_on ?? ''}`);
  if (action.prefix_rewrite) policies.push(`rewrite ${action.prefix_rewrite}`);
  if (action.request_mirror_policies?.length)
    policies.push(`mirror ${action.request_mirror_policies.map((mirror: Resource) => mirror.cluster).join(',')}`);
  if (action.hash_policy?.length) policies.push('hash');
  const filters = Object.keys(route.typed_per_filter_config ?? {}).map((name) =>
    name.replace('envoy.filters.http.', ''),
  );
  return [...policies, ...filters].join('; ') || '-';
}

function duration(value: Resource | undefined): string {
  if (!value) return '';
  const ms = Number(value.seconds ?? 0) * 1000 + Math.round((value.nanos ?? 0) / 1e6);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
