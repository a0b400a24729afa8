// The control-plane benchmark: a simulated fleet of proxies on real ADS streams, services and
// endpoints registered through the Registry API; how fast a change reaches every proxy, how a
// burst is coalesced, and what the control plane costs.
import * as grpc from '@grpc/grpc-js';
import { percentile } from '../load/open-loop.js';
import { cpuSeconds, rssMb } from '../measure/proc-stat.js';
import { TYPE_URL } from '../../proto/xds.js';
import { startControlPlane, waitFor } from '../../test/support/processes.js';
import { register, registryClient } from '../../test/support/registry-client.js';
import { FleetClient, FleetStub, type FleetChannel } from './fleet-client.js';

/**
 * glibc's allocator setting deploy/Dockerfile gives every process: large buffers (the control
 * plane's xDS responses, one per proxy) are mapped and unmapped rather than kept in the heap arena
 * once freed, which glibc's dynamic threshold otherwise does after the first ones.
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

export interface FleetOptions {
  clients: number;
  services: number;
  endpoints: number;
  /** Services whose endpoints each client watches over EDS (besides the one every client watches). */
  watchedPerClient: number;
  changes: number;
  burst: number;
  /** Added to the control plane's environment. */
  env?: Readonly<Record<string, string>>;
}

export interface FleetResult {
  options: FleetOptions;
  registerSeconds: number;
  connectSeconds: number;
  convergenceMs: { p50: number; p99: number; max: number; samples: number };
  burst: {
    registrations: number;
    seconds: number;
    pushesPerClientMedian: number;
    pushesPerClientMax: number;
    cpuSeconds: number;
  };
  rest: { rssMb: number; cpuVcpu: number };
  peakRssMb: number;
  newClientSnapshotMs: number;
}

const serviceName = (index: number) => `svc-${index}`;
const endpointName = (index: number) => `${serviceName(index)}.default.svc.cluster.local`;
const CHANNELS = 8;

export async function runFleet(options: FleetOptions, log: (line: string) => void): Promise<FleetResult> {
  const controlPlane = await startControlPlane(['--debounce-ms', '100'], { ...options.env });
  const registry = registryClient(controlPlane.grpc);
  // Separate channels (distinct options) spread the streams over several HTTP/2 connections.
  const channels: FleetChannel[] = Array.from(
    { length: CHANNELS },
    (_, i) => new FleetStub(controlPlane.grpc, grpc.credentials.createInsecure(), { 'grpc.fleet_channel': i }),
  );
  const clients: FleetClient[] = [];
  let port = 20_000;
  const registerEndpoint = (service: number) =>
    register(registry, {
      instance: { service: serviceName(service), address: '127.0.0.1', port: port++ },
      ttl_seconds: 3600,
    });
  try {
    let started = performance.now();
    await inBatches(options.endpoints, 64, (i) => registerEndpoint(i % options.services));
    const registerSeconds = (performance.now() - started) / 1000;
    log(`registered ${options.endpoints} endpoints of ${options.services} services in ${registerSeconds.toFixed(1)} s`);

    started = performance.now();
    for (let i = 0; i < options.clients; i++) {
      const watched = [
        endpointName(0),
        ...Array.from({ length: options.watchedPerClient }, (_, k) =>
          endpointName(1 + ((i * options.watchedPerClient + k) % (options.services - 1))),
        ),
      ];
      const client = new FleetClient(channels[i % CHANNELS] as FleetChannel, `fleet-${i}`, [...new Set(watched)]);
      clients.push(client);
      client.start();
    }
    await waitFor(
      () => clients.every((client) => client.hasSnapshot),
      'every fleet client to get its snapshot',
      120_000,
    );
    const connectSeconds = (performance.now() - started) / 1000;
    log(`${options.clients} clients connected with full snapshots in ${connectSeconds.toFixed(1)} s`);

    const restCpu = cpuSeconds(controlPlane.pid);
    await sleep(2000);
    const rest = { rssMb: rssMb(controlPlane.pid), cpuVcpu: (cpuSeconds(controlPlane.pid) - restCpu) / 2 };

    const samples: number[] = [];
    for (let change = 0; change < options.changes; change++) {
      const at = performance.now();
      await registerEndpoint(0);
      await waitFor(
        () => clients.every((client) => client.firstAfter(TYPE_URL.endpoint, at) !== undefined),
        'every client to receive the change',
        30_000,
      );
      for (const client of clients) samples.push((client.firstAfter(TYPE_URL.endpoint, at) as number) - at);
      await sleep(300);
    }
    samples.sort((a, b) => a - b);
    const convergenceMs = {
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      max: samples.at(-1) ?? Number.NaN,
      samples: samples.length,
    };
    log(`change → every client: p50 ${convergenceMs.p50.toFixed(1)} ms, p99 ${convergenceMs.p99.toFixed(1)} ms`);

    const burstStart = performance.now();
    const burstCpu = cpuSeconds(controlPlane.pid);
    let peakRssMb = rssMb(controlPlane.pid);
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb(controlPlane.pid))), 50);
    await inBatches(options.burst, 64, () => registerEndpoint(0));
    const burstSeconds = (performance.now() - burstStart) / 1000;
    await sleep(1500);
    clearInterval(sampler);
    const pushes = clients.map((client) => client.countAfter(burstStart)).sort((a, b) => a - b);
    const burst = {
      registrations: options.burst,
      seconds: burstSeconds,
      pushesPerClientMedian: percentile(pushes, 50),
      pushesPerClientMax: pushes.at(-1) ?? 0,
      cpuSeconds: cpuSeconds(controlPlane.pid) - burstCpu,
    };
    log(
      `burst of ${options.burst} registrations in ${burstSeconds.toFixed(2)} s → ${burst.pushesPerClientMedian} pushes per client (max ${burst.pushesPerClientMax})`,
    );

    const newcomer = new FleetClient(channels[0] as FleetChannel, 'fleet-newcomer', [endpointName(0)]);
    const newcomerStart = performance.now();
    newcomer.start();
    await waitFor(() => newcomer.hasSnapshot, 'the new client to get its snapshot', 30_000);
    const newClientSnapshotMs = Math.max(...newcomer.arrivals.map((a) => a.at)) - newcomerStart;
    clients.push(newcomer);
    log(`a new client has its full snapshot in ${newClientSnapshotMs.toFixed(1)} ms`);
    return { options, registerSeconds, connectSeconds, convergenceMs, burst, rest, peakRssMb, newClientSnapshotMs };
  } finally {
    for (const client of clients) client.close();
    for (const channel of channels) channel.close();
    registry.close();
    await controlPlane.stop();
  }
}

async function inBatches(count: number, concurrency: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
