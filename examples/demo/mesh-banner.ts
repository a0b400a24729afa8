// What the demo prints once the mesh is up: what runs where, the admin URLs, where the logs are,
// commands to try against it, and how to see its traces in Jaeger and its metrics in Prometheus.
import { join, relative } from 'node:path';
import { formatTable } from '../../cli/table.js';
import type { DemoCredentials } from './demo-credentials.js';
import type { MeshLayout } from './mesh-layout.js';
import { cliPath, demoConfigDir, type Component } from './start-mesh.js';
import { SUMMARY_EVERY_MS } from './traffic.js';

/** Where the demo's telemetry goes: the sidecars' OTLP endpoint, and the Prometheus config written for this run. */
export interface DemoTelemetry {
  otlpEndpoint: string;
  prometheusConfig: string;
}

export function formatMeshBanner(
  components: readonly Component[],
  layout: MeshLayout,
  logDir: string,
  ratePerSecond: number,
  telemetry: DemoTelemetry,
  credentials: Pick<DemoCredentials, 'caFile' | 'adminTokenFile'>,
): string {
  const running = components.map((component) => [component.name, String(component.pid ?? '-'), component.listeners]);
  const admin = components
    .filter((component) => component.adminUrls.length > 0)
    .map((component) => [component.name, component.adminUrls.join('  ')]);
  const { frontend } = layout;
  return [
    'pilotfish demo: a mesh on loopback',
    '',
    formatTable(['COMPONENT', 'PID', 'LISTENERS'], running),
    '',
    formatTable(['COMPONENT', 'ADMIN URLS'], admin),
    '',
    `logs:    ${logDir} (one file per process)`,
    `try:     curl -H 'Host: backend' http://${frontend.outbound}/hello`,
    `         curl http://${frontend.inbound}/`,
    `         pilotfish status --control-plane-admin ${layout.controlPlane.admin}   (pilotfish = node ${relative(process.cwd(), cliPath)})`,
    `config:  the control plane's port is TLS and authenticated; the CLI needs its CA and an admin token:`,
    `         export PILOTFISH_CA_FILE=${credentials.caFile} PILOTFISH_TOKEN=$(cat ${credentials.adminTokenFile})`,
    `         pilotfish get routes --control-plane ${layout.controlPlane.grpc}`,
    `traces:  the sidecars export spans over OTLP/HTTP to ${telemetry.otlpEndpoint} (OTEL_EXPORTER_OTLP_ENDPOINT),`,
    `         every request sampled (MeshConfig in ${relative(process.cwd(), join(demoConfigDir, 'mesh.yaml'))}, watched)`,
    `         see them in Jaeger: docker run --rm -p 16686:16686 -p 4318:4318 jaegertracing/jaeger:latest, then open`,
    `         http://127.0.0.1:16686 and pick the service frontend.default`,
    `metrics: prometheus --config.file=${telemetry.prometheusConfig}   (deploy/prometheus/prometheus.yml with this demo's`,
    `         admin ports, alert rules included), then http://127.0.0.1:9090; each sidecar: http://<admin>/stats/prometheus`,
    `traffic: ${ratePerSecond} req/s to the frontend through its sidecar (http://${frontend.inbound}/), a summary every ${SUMMARY_EVERY_MS / 1000} s; Ctrl-C stops everything`,
    '',
  ].join('\n');
}
