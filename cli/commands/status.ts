// `pilotfish status`: services, instances and connected proxies with their ACKed versions and
// NACKs, read from the control plane's admin listener.
import { Command } from 'commander';
import type { Instance } from '../../proto/gen/pilotfish/v1/Instance.js';
import { typeState, type ProxyStatus, type TypeStatus } from '../../control-plane/src/xds/proxy-status.js';
import { getAdminJson } from '../admin-get.js';
import { formatTable } from '../table.js';

interface RegistryView {
  revision: number;
  services: Array<{ name: string; namespace: string; instances: Instance[] }>;
}

// SCDS: service config (app parameters), which only sidecars ask for; '-' for proxyless clients.
const TYPES = ['CDS', 'EDS', 'LDS', 'RDS', 'SCDS'] as const;

export function statusCommand(): Command {
  return new Command('status')
    .description(
      'show the config in force (and its last rejection), services, instances and connected proxies (ACKed versions, NACKs)',
    )
    .option('--control-plane-admin <host:port>', "the control plane's admin listener", '127.0.0.1:15014')
    .option('--json', 'print JSON instead of tables')
    .action(async (options: { controlPlaneAdmin: string; json?: boolean }) => {
      const admin = options.controlPlaneAdmin;
      const what = 'the control plane admin';
      const [registry, proxies, config] = await Promise.all([
        getAdminJson<RegistryView>(admin, '/debug/registry', what),
        getAdminJson<{ proxies: ProxyStatus[] }>(admin, '/debug/proxies', what),
        getAdminJson<ConfigView>(admin, '/debug/config', what),
      ]);
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ registry, proxies: proxies.proxies, config: { version: config.version, documents: config.documents.length, lastRejection: config.lastRejection, warnings: config.warnings ?? [] } }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(`${renderConfig(config)}\n${render(registry, proxies.proxies)}`);
    });
}

interface ConfigView {
  version: number;
  documents: unknown[];
  lastRejection: { at: string; messages: string[] } | null;
  warnings?: string[];
}

function renderConfig(config: ConfigView): string {
  const lines = [
    `CONFIG version ${config.version}, ${config.documents.length} document${config.documents.length === 1 ? '' : 's'} in force`,
  ];
  if (config.lastRejection !== null) {
    lines.push(
      `  REJECTED at ${config.lastRejection.at} (the version above stays in force):`,
      ...config.lastRejection.messages.map((message) => `  ${message}`),
    );
  }
  for (const warning of config.warnings ?? []) lines.push(`  WARNING ${warning}`);
  return `${lines.join('\n')}\n`;
}

function render(registry: RegistryView, proxies: ProxyStatus[]): string {
  const serviceRows = registry.services.flatMap((service) =>
    service.instances.map((instance) => [
      service.namespace,
      service.name,
      instance.instance_id ?? '',
      `${instance.address}:${instance.port}`,
      instance.protocol ?? '',
      Object.entries(instance.labels ?? {})
        .map(([key, value]) => `${key}=${value}`)
        .join(','),
    ]),
  );
  const proxyRows = proxies.map((proxy) => [
    proxy.nodeId,
    proxy.service || '-',
    proxy.namespace,
    proxy.role,
    proxy.controlPlane,
    ...TYPES.map((type) => typeCell(proxy.types[type])),
  ]);
  const nacks = proxies.flatMap((proxy) =>
    TYPES.flatMap((type) => {
      const nack = proxy.types[type]?.lastNack;
      return nack ? [`  ${proxy.nodeId} ${type} version ${nack.version} at ${nack.at}: ${nack.message}`] : [];
    }),
  );
  const unsupported = proxies.flatMap((proxy) =>
    proxy.unsupportedRequests.map((request) => `  ${proxy.nodeId}: ${request.message}`),
  );
  return [
    `SERVICES (registry revision ${registry.revision})`,
    formatTable(['NAMESPACE', 'SERVICE', 'INSTANCE', 'ADDRESS', 'PROTOCOL', 'LABELS'], serviceRows),
    '',
    `PROXIES (${proxies.length} connected)`,
    formatTable(['NODE', 'SERVICE', 'NAMESPACE', 'ROLE', 'CONTROL PLANE', ...TYPES], proxyRows),
    ...(nacks.length > 0 ? ['', 'NACKS (the proxy kept its previous config)', ...nacks] : []),
    ...(unsupported.length > 0 ? ['', 'UNSUPPORTED REQUESTS', ...unsupported] : []),
    '',
  ].join('\n');
}

function typeCell(status: TypeStatus | undefined): string {
  if (!status) return '-';
  const { state, version } = typeState(status);
  return `${state} ${version.slice(0, 8) || '-'}`;
}
