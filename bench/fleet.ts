// `node dist/bench/fleet.js [--proxies N[,N…]] [--stores memory,etcd] [--out FILE]`: the control-plane
// fleet benchmark alone (bench/control-plane/fleet.ts), once per size and store, for measuring a
// control-plane change without the data-plane rounds of `npm run bench`. Prints the figures as JSON;
// with --out, writes them as markdown too (bench/FLEET.md).
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { renderFleetReport } from './control-plane/fleet-report.js';
import { runFleet, type FleetResult, type FleetStore } from './control-plane/fleet.js';

const sizes = (value: string) => {
  const list = value.split(',').map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError('a list of positive integers');
  return list;
};
const stores = (value: string) => {
  const list = value.split(',');
  if (list.some((store) => store !== 'memory' && store !== 'etcd'))
    throw new InvalidArgumentError('memory and/or etcd');
  return list as FleetStore[];
};

const options = new Command('fleet')
  .option('--proxies <n,…>', 'simulated proxies: a run per size', sizes, [1000])
  .option('--services <n>', 'services', '1000')
  .option('--endpoints <n>', 'endpoints, spread over the services', '10000')
  .option('--stores <memory,etcd>', "the control plane's store: a run per store (etcd: a member of its own)", stores, [
    'memory',
  ])
  .option(
    '--idle <seconds>',
    'idle time before the memory at rest is measured (V8 shrinks its heap after ~2 min)',
    '150',
  )
  .option('--out <file>', 'also write the figures as markdown (bench/FLEET.md)')
  .option('--cpu-prof <dir>', "profile the control plane (node --cpu-prof): where the changes' CPU went, per run")
  .parse()
  .opts<{
    proxies: number[];
    services: string;
    endpoints: string;
    stores: FleetStore[];
    idle: string;
    out?: string;
    cpuProf?: string;
  }>();

const runs: FleetResult[] = [];
/** Writes the runs so far: a later run that fails (a busy machine) keeps the earlier figures. */
function writeReport(): void {
  if (options.out === undefined) return;
  const report = renderFleetReport({
    command: `node dist/bench/fleet.js ${process.argv.slice(2).join(' ')}`,
    machine: {
      cores: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown CPU',
      node: process.version,
      date: new Date().toISOString(),
    },
    runs,
  });
  writeFileSync(options.out, report);
  console.log(`wrote ${options.out}`);
}

for (const store of options.stores)
  for (const proxies of options.proxies) {
    console.log(`\n${proxies} proxies, ${store} store`);
    runs.push(
      await runFleet(
        {
          clients: proxies,
          services: Number(options.services),
          endpoints: Number(options.endpoints),
          watchedPerClient: 9,
          changes: 10,
          burst: 1000,
          idleSeconds: Number(options.idle),
          store,
          profileDir: options.cpuProf && join(options.cpuProf, `${store}-${proxies}`),
        },
        (line) => console.log(line),
      ),
    );
    writeReport();
  }
console.log(JSON.stringify(runs, null, 2));
