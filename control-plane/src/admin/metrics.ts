// The control plane's Prometheus metrics (admin /metrics): the config in force and its rejections,
// the registry's size and the proxies connected, read from their owners at scrape time; the ADS
// server's pushes, NACKs and ACK delays (xds/xds-metrics.ts) are counted as they happen.
import { Counter, Gauge, collectDefaultMetrics, type Registry as MetricsRegistry } from 'prom-client';
import type { ConfigStore } from '../config/config-store.js';
import type { RegistrySource } from '../registry/registry-source.js';
import type { ProxyStatusTable } from '../xds/proxy-status.js';

export interface MetricSources {
  config: ConfigStore;
  registry: RegistrySource;
  proxies: ProxyStatusTable;
}

/** Adds the gauges read at scrape time, and the process's own metrics, to `registry`. */
export function addControlPlaneMetrics(registry: MetricsRegistry, sources: MetricSources): MetricsRegistry {
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'pilotfish_config_version',
    help: 'Version of the policy config in force (accepted changes so far).',
    registers: [registry],
    collect() {
      this.set(sources.config.version);
    },
  });
  new Gauge({
    name: 'pilotfish_config_documents',
    help: 'Policy documents in force.',
    registers: [registry],
    collect() {
      this.set(sources.config.documentCount);
    },
  });
  new Gauge({
    name: 'pilotfish_config_rejected',
    help: '1 while the config folder holds a change that was rejected (the last good config stays in force), else 0.',
    registers: [registry],
    collect() {
      this.set(sources.config.rejection === undefined ? 0 : 1);
    },
  });
  let reportedRejections = 0;
  new Counter({
    name: 'pilotfish_config_rejections_total',
    help: 'Config folder changes rejected (each distinct rejection once).',
    registers: [registry],
    collect() {
      this.inc(sources.config.rejections - reportedRejections);
      reportedRejections = sources.config.rejections;
    },
  });
  new Gauge({
    name: 'pilotfish_registry_instances',
    help: 'Service instances registered.',
    registers: [registry],
    collect() {
      this.set(sources.registry.services().reduce((sum, service) => sum + service.instances.length, 0));
    },
  });
  new Gauge({
    name: 'pilotfish_xds_connected_proxies',
    help: 'Proxies (sidecars and proxyless clients) with an open ADS stream.',
    registers: [registry],
    collect() {
      this.set(sources.proxies.list().length);
    },
  });
  return registry;
}
