// `pilotfish demo` (what `npm start` runs): an embedded mesh on loopback — a control plane, two
// backend instances and a frontend, each app with its own sidecar — and steady traffic through it,
// until Ctrl-C or --duration; then every process it started is stopped. The sidecars export
// traces over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT, else a local Jaeger's 127.0.0.1:4318).
import { Command } from 'commander';
import { MESH_PORT_COUNT } from '../../examples/demo/mesh-layout.js';
import { port, positiveInt } from '../options.js';
import type { DemoOptions } from './demo-run.js';

export function demoCommand(): Command {
  // The mesh's modules load when the demo runs, not for `--help`.
  return new Command('demo')
    .description('run an embedded demo mesh on loopback')
    .option(
      '--base-port <port>',
      `use ${MESH_PORT_COUNT} consecutive ports from this one (default: free ports the OS picks)`,
      port,
    )
    .option('--rate <per-second>', 'requests per second to the frontend', positiveInt, 2)
    .option(
      '--duration <seconds>',
      'stop by itself after this many seconds of traffic (default: run until Ctrl-C)',
      positiveInt,
    )
    .action(async (options: DemoOptions) => (await import('./demo-run.js')).runDemo(options));
}
