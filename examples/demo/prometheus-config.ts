// A Prometheus config for the running demo: deploy/prometheus/prometheus.yml with its scrape
// targets set to the demo's control plane and sidecar admin listeners and its rule files by
// absolute path, written beside the demo's logs so `prometheus --config.file=…` works as printed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { packageRoot } from '../../proto/paths.js';
import type { MeshLayout } from './mesh-layout.js';

export const DEPLOY_PROMETHEUS_DIR = join(packageRoot, 'deploy', 'prometheus');

interface PrometheusConfig {
  rule_files?: string[];
  scrape_configs?: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }> }>;
}

/** Writes `<dir>/prometheus.yml` for `layout`; returns its path. */
export function writePrometheusConfig(layout: MeshLayout, dir: string): string {
  const source = join(DEPLOY_PROMETHEUS_DIR, 'prometheus.yml');
  const config = parse(readFileSync(source, 'utf8')) as PrometheusConfig;
  config.rule_files = (config.rule_files ?? []).map((file) => join(DEPLOY_PROMETHEUS_DIR, file));
  const targets: Record<string, string[]> = {
    'pilotfish-control-plane': [layout.controlPlane.admin],
    'pilotfish-sidecars': [...layout.backends, layout.frontend].map((app) => app.admin),
  };
  for (const [jobName, jobTargets] of Object.entries(targets)) {
    const job = config.scrape_configs?.find((candidate) => candidate.job_name === jobName);
    if (job === undefined)
      throw new Error(`${source} has no scrape job "${jobName}" for the demo to point at its own ports`);
    job.static_configs = [{ targets: jobTargets }];
  }
  const path = join(dir, 'prometheus.yml');
  writeFileSync(path, `# Written by pilotfish demo from ${source}: this demo's ports.\n${stringify(config)}`);
  return path;
}
