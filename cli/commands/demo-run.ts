// `pilotfish demo`, once its flags are read (demo.ts): starts the mesh, runs the traffic, stops
// every process it started.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoCredentials } from '../../examples/demo/demo-credentials.js';
import { formatMeshBanner } from '../../examples/demo/mesh-banner.js';
import { planMesh } from '../../examples/demo/mesh-layout.js';
import { ProcessGroup } from '../../examples/demo/process-group.js';
import { writePrometheusConfig } from '../../examples/demo/prometheus-config.js';
import { startMesh } from '../../examples/demo/start-mesh.js';
import { formatSummary, startTraffic, type TrafficSummary } from '../../examples/demo/traffic.js';

// Jaeger all-in-one's OTLP/HTTP port on this host.
const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:4318';

export interface DemoOptions {
  basePort?: number;
  rate: number;
  duration?: number;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const interrupt = watchInterrupt();
  const group = new ProcessGroup(mkdtempSync(join(tmpdir(), 'pilotfish-demo-')));
  let outcome: Awaited<ReturnType<typeof runMesh>>;
  try {
    outcome = await runMesh(group, options, interrupt.signal);
  } catch (error) {
    if (group.children.length > 0) console.error('the demo failed; stopping every process it started');
    throw error;
  } finally {
    await group.stop();
    interrupt.dispose();
    if (group.children.length > 0) console.log('stopped');
  }
  if (outcome?.ended === 'duration' && outcome.summary.ok === 0) {
    const { failed, lastError } = outcome.summary;
    throw new Error(
      `no request to the frontend succeeded in ${options.duration} s (${failed} failed${lastError ? `, last: ${lastError}` : ''})`,
    );
  }
}

/** Starts the mesh and runs traffic until a signal, the duration, or a child's unexpected exit; undefined if interrupted while starting. */
async function runMesh(group: ProcessGroup, options: DemoOptions, interrupted: Promise<NodeJS.Signals>) {
  const failure = group.unexpectedExit.then((error): never => {
    throw error;
  });
  const layout = await planMesh(options.basePort);
  console.log(`starting the mesh; logs in ${group.logDir}`);
  const credentials = new DemoCredentials(group.logDir);
  const otlpEndpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || DEFAULT_OTLP_ENDPOINT;
  const components = await Promise.race([
    startMesh(group, layout, otlpEndpoint, credentials),
    interrupted.then(() => undefined),
    failure,
  ]);
  if (!components) return undefined;
  const prometheusConfig = writePrometheusConfig(layout, group.logDir);
  console.log(
    formatMeshBanner(components, layout, group.logDir, options.rate, { otlpEndpoint, prometheusConfig }, credentials),
  );
  const traffic = startTraffic(layout.frontend.inbound, options.rate, (line) => console.log(line));
  let durationTimer: NodeJS.Timeout | undefined;
  let summary: TrafficSummary;
  let ended: NodeJS.Signals | 'duration';
  try {
    const durationEnded = new Promise<'duration'>((resolve) => {
      if (options.duration) durationTimer = setTimeout(() => resolve('duration'), options.duration * 1000);
    });
    ended = await Promise.race([interrupted, durationEnded, failure]);
  } finally {
    clearTimeout(durationTimer);
    summary = await traffic.stop();
    console.log(formatSummary(summary));
  }
  return { ended, summary };
}

/** The first SIGINT or SIGTERM asks for an orderly stop; a second one exits at once. */
function watchInterrupt(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let isInterrupted = false;
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (received) => {
      // The process group's exit hook SIGKILLs the children, so none outlives an impatient Ctrl-C.
      if (isInterrupted) process.exit(130);
      isInterrupted = true;
      console.log(`\n${received}: stopping the demo (again to kill everything now)`);
      resolve(received);
    };
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
