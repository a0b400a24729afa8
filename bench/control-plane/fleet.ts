// The control-plane benchmark: a simulated fleet of proxies on real ADS streams, services and
// endpoints registered through the Registry API; how fast a change reaches every proxy, how a
// burst is coalesced, and what the control plane costs.
import * as grpc from '@grpc/grpc-js';
import { loadavg } from 'node:os';
import { percentile } from '../load/open-loop.js';
import { cpuSeconds, rssMb } from '../measure/proc-stat.js';
import { TYPE_URL } from '../../proto/xds.js';
import { startEtcd, type EtcdMember } from '../../test/support/etcd.js';
import { startCli, waitFor } from '../../test/support/processes.js';
import { register, registryClient } from '../../test/support/registry-client.js';
import { changeProfile, monotonicUs, type ChangeProfile, type ProfileWindow } from './change-profile.js';
import { FleetClient, FleetStub, type FleetChannel } from './fleet-client.js';

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
  /**
   * How long the fleet idles before its memory is measured "at rest": V8 gives back its young
   * generation and the free pages of its heap only in a memory-reducing GC, which its memory reducer
   * starts once the heap has been idle for about two minutes (1,000 proxies: 226 → 142 MB RSS).
   * Without it, only the figure 2 s after the fleet connected.
   */
  idleSeconds?: number;
  /** The control plane's store: `etcd` starts a member of its own on 127.0.0.1. Memory by default. */
  store?: FleetStore;
  /** Runs the control plane under `node --cpu-prof`, writing its profile here, and ranks the changes' samples. */
  profileDir?: string;
}

export type FleetStore = 'memory' | 'etcd';

export interface FleetResult {
  options: FleetOptions;
  /** The machine's 1-minute load average when the run started and when it ended (the machine is shared). */
  loadAverage: { start: number; end: number };
  registerSeconds: number;
  connectSeconds: number;
  convergenceMs: { p50: number; p99: number; max: number; samples: number };
  /** Control-plane CPU from an endpoint change's registration until every proxy has it, per change. */
  cpuSecondsPerChange: number;
  /**
   * The simulated fleet's own CPU per change (this process: every stream's decoding and ACK), on
   * the same cores as the control plane; real proxies would each have their own.
   */
  fleetCpuSecondsPerChange: number;
  /** The control plane's event-loop delay over the changes (its nodejs_eventloop_lag metrics). */
  eventLoopDelayMs: { p99: number; max: number };
  burst: {
    registrations: number;
    seconds: number;
    pushesPerClientMedian: number;
    pushesPerClientMax: number;
    cpuSeconds: number;
  };
  /** 2 s after every proxy has its snapshot. */
  rest: { rssMb: number; cpuVcpu: number };
  /** After `idleSeconds` of idling, the RSS sampled each second: its last value. */
  idle?: { seconds: number; rssMb: number };
  peakRssMb: number;
  newClientSnapshotMs: number;
  /** Where the control plane's CPU went during the endpoint changes (with `profileDir`). */
  changeProfile?: ChangeProfile;
}

const serviceName = (index: number) => `svc-${index}`;
const endpointName = (index: number) => `${serviceName(index)}.default.svc.cluster.local`;
const CHANNELS = 8;

export async function runFleet(options: FleetOptions, log: (line: string) => void): Promise<FleetResult> {
  const loadAtStart = loadavg()[0] as number;
  const etcd = options.store === 'etcd' ? await startEtcd() : undefined;
  try {
    const [result, changeWindow] = await runOnStore(options, etcd, log);
    // The profile is written when the control plane exits, at the end of runOnStore.
    const profile = options.profileDir === undefined ? undefined : changeProfile(options.profileDir, changeWindow);
    return { ...result, loadAverage: { start: loadAtStart, end: loadavg()[0] as number }, changeProfile: profile };
  } finally {
    await etcd?.remove();
  }
}

async function runOnStore(
  options: FleetOptions,
  etcd: EtcdMember | undefined,
  log: (line: string) => void,
): Promise<[Omit<FleetResult, 'loadAverage'>, ProfileWindow]> {
  const storeArgs = etcd === undefined ? [] : ['--store', etcd.storeUrl];
  const profileArgs = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const [controlPlane, listening] = await startCli(
    [
      'control-plane',
      '--grpc-listen',
      '127.0.0.1:0',
      '--admin-listen',
      '127.0.0.1:0',
      '--debounce-ms',
      '100',
      ...storeArgs,
    ],
    'control plane listening',
    profileArgs,
    60_000,
    { ...options.env },
  );
  const grpcAddress = String(listening.grpc);
  const adminAddress = String(listening.admin);
  const registry = registryClient(grpcAddress);
  // Separate channels (distinct options) spread the streams over several HTTP/2 connections.
  const channels: FleetChannel[] = Array.from(
    { length: CHANNELS },
    (_, i) => new FleetStub(grpcAddress, grpc.credentials.createInsecure(), { 'grpc.fleet_channel': i }),
  );
  const clients: FleetClient[] = [];
  const changeWindow = { startUs: 0, endUs: 0 };
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
      300_000,
    );
    const connectSeconds = (performance.now() - started) / 1000;
    log(`${options.clients} clients connected with full snapshots in ${connectSeconds.toFixed(1)} s`);

    const restCpu = cpuSeconds(controlPlane.pid);
    await sleep(2000);
    const rest = { rssMb: rssMb(controlPlane.pid), cpuVcpu: (cpuSeconds(controlPlane.pid) - restCpu) / 2 };
    log(`RSS 2 s after connecting: ${rest.rssMb.toFixed(0)} MB`);
    const idle = options.idleSeconds ? await idleRss(controlPlane.pid, options.idleSeconds, log) : undefined;

    const samples: number[] = [];
    let changeCpu = 0;
    const fleetCpuAt = process.cpuUsage();
    await eventLoopDelayMs(adminAddress); // prom-client starts its event-loop histogram again on each scrape
    changeWindow.startUs = monotonicUs();
    for (let change = 0; change < options.changes; change++) {
      const at = performance.now();
      const cpuAt = cpuSeconds(controlPlane.pid);
      await registerEndpoint(0);
      await waitFor(
        () => clients.every((client) => client.hasArrivalSince(TYPE_URL.endpoint, at)),
        'every client to receive the change',
        30_000,
      );
      changeCpu += cpuSeconds(controlPlane.pid) - cpuAt;
      for (const client of clients) samples.push((client.firstAfter(TYPE_URL.endpoint, at) as number) - at);
      await sleep(300);
    }
    changeWindow.endUs = monotonicUs();
    const loopDelay = await eventLoopDelayMs(adminAddress);
    samples.sort((a, b) => a - b);
    const convergenceMs = {
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      max: samples.at(-1) ?? Number.NaN,
      samples: samples.length,
    };
    const cpuSecondsPerChange = changeCpu / options.changes;
    const { user, system } = process.cpuUsage(fleetCpuAt);
    const fleetCpuSecondsPerChange = (user + system) / 1e6 / options.changes;
    log(
      `endpoint change → every client has it (and ACKs at once): p50 ${convergenceMs.p50.toFixed(1)} ms, p99 ${convergenceMs.p99.toFixed(1)} ms; control-plane CPU ${cpuSecondsPerChange.toFixed(2)} s per change (the fleet's own ${fleetCpuSecondsPerChange.toFixed(2)} s); event-loop delay p99 ${loopDelay.p99.toFixed(0)} ms, max ${loopDelay.max.toFixed(0)} ms`,
    );

    const burstStart = performance.now();
    const burstCpu = cpuSeconds(controlPlane.pid);
    let peakRssMb = rssMb(controlPlane.pid);
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb(controlPlane.pid))), 50);
    await inBatches(options.burst, 64, () => registerEndpoint(0));
    const burstSeconds = (performance.now() - burstStart) / 1000;
    // Every proxy has had the burst, and no push has come for a second, however busy the machine.
    await waitFor(
      () =>
        clients.every((client) => client.hasArrivalSince(TYPE_URL.endpoint, burstStart)) &&
        performance.now() - Math.max(...clients.map((client) => client.arrivals.at(-1)?.at ?? 0)) >= 1000,
      'every client to receive the burst and the pushes to stop',
      120_000,
    );
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
    await waitFor(() => newcomer.hasSnapshot, 'the new client to get its snapshot', 120_000);
    const newClientSnapshotMs = Math.max(...newcomer.arrivals.map((a) => a.at)) - newcomerStart;
    clients.push(newcomer);
    log(`a new client has its full snapshot in ${newClientSnapshotMs.toFixed(1)} ms`);
    const result = {
      options,
      registerSeconds,
      connectSeconds,
      convergenceMs,
      cpuSecondsPerChange,
      eventLoopDelayMs: loopDelay,
      fleetCpuSecondsPerChange,
      burst,
      rest,
      idle,
      peakRssMb,
      newClientSnapshotMs,
    };
    return [result, changeWindow];
  } finally {
    for (const client of clients) client.close();
    for (const channel of channels) channel.close();
    registry.close();
    await controlPlane.stop();
  }
}

/** The control plane's event-loop delay since its metrics were last scraped, from its /metrics. */
async function eventLoopDelayMs(admin: string): Promise<FleetResult['eventLoopDelayMs']> {
  const text = await (await fetch(`http://${admin}/metrics`)).text();
  const seconds = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    p99: seconds('nodejs_eventloop_lag_p99_seconds') * 1000,
    max: seconds('nodejs_eventloop_lag_max_seconds') * 1000,
  };
}

/** Idles for `seconds`, logging the RSS when it changes by 5 MB or more; returns the last. */
async function idleRss(pid: number, seconds: number, log: (line: string) => void): Promise<FleetResult['idle']> {
  let last = rssMb(pid);
  for (let second = 1; second <= seconds; second++) {
    await sleep(1000);
    const now = rssMb(pid);
    if (Math.abs(now - last) >= 5) log(`RSS after ${second} s idle: ${now.toFixed(0)} MB`);
    last = now;
  }
  return { seconds, rssMb: last };
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
