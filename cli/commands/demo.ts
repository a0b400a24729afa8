// `pilotfish demo`: an embedded mesh on loopback — a control plane, a frontend app and two backend
// instances, each app with its own sidecar, and a steady stream of traffic through them.
import { Command } from 'commander';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLines, startProcess, stopProcess, waitReady, type DemoProcess } from '../../examples/demo/processes.js';
import { formatSummary, startTraffic } from '../../examples/demo/traffic.js';
import { packageRoot } from '../../proto/paths.js';
import { freePort } from '../free-port.js';
import { positiveInt } from '../options.js';
import { formatTable } from '../table.js';

const cli = join(packageRoot, 'dist', 'cli', 'main.js');
const examples = join(packageRoot, 'dist', 'examples', 'demo');

interface App {
  service: string;
  instance: string;
  labels: string;
  script: string;
}

const APPS: App[] = [
  { service: 'backend', instance: 'backend-1', labels: 'version=v1', script: 'backend.js' },
  { service: 'backend', instance: 'backend-2', labels: 'version=v2', script: 'backend.js' },
  { service: 'frontend', instance: 'frontend-1', labels: 'version=v1', script: 'frontend.js' },
];

export function demoCommand(): Command {
  return new Command('demo')
    .description('run an embedded demo mesh on loopback')
    .option('--rate <per-second>', 'requests per second to the frontend', positiveInt, 2)
    .option('--duration <seconds>', 'stop by itself after this long (default: run until Ctrl-C)', positiveInt)
    .action(async (options: { rate: number; duration?: number }) => {
      const logDir = mkdtempSync(join(tmpdir(), 'pilotfish-demo-'));
      const processes: DemoProcess[] = [];
      let stopping = false;
      const stopAll = async () => {
        stopping = true;
        // Sidecars first (they deregister), then apps, then the control plane.
        for (const group of [processes.filter((p) => p.name.endsWith('-sidecar')), processes.filter((p) => p.name.endsWith('-app')), processes]) {
          await Promise.all(group.map((process) => stopProcess(process)));
        }
      };
      try {
        const grpc = `127.0.0.1:${await freePort()}`;
        const cpAdmin = `127.0.0.1:${await freePort()}`;
        const controlPlane = startProcess('control-plane', cli, ['control-plane', '--grpc-listen', grpc, '--admin-listen', cpAdmin], logDir);
        processes.push(controlPlane);
        await waitReady(controlPlane, `http://${cpAdmin}/ready`);
        const rows: string[][] = [['control-plane', String(controlPlane.child.pid), `gRPC ${grpc}`, `http://${cpAdmin}/debug/registry  /debug/proxies`]];
        let frontendInbound = '';
        let frontendOutbound = '';
        for (const app of APPS) {
          const appPort = await freePort();
          const [inbound, outbound, admin] = [await freePort(), await freePort(), await freePort()].map((port) => `127.0.0.1:${port}`) as [string, string, string];
          const appProcess = startProcess(`${app.instance}-app`, join(examples, app.script), [String(appPort), app.instance], logDir, {
            PILOTFISH_OUTBOUND: outbound,
          });
          const sidecar = startProcess(
            `${app.instance}-sidecar`,
            cli,
            ['sidecar', '--service', app.service, '--instance-id', app.instance, '--labels', app.labels, '--app-port', String(appPort)]
              .concat(['--control-plane', grpc, '--inbound-listen', inbound, '--outbound-listen', outbound, '--admin-listen', admin]),
            logDir,
          );
          processes.push(appProcess, sidecar);
          await waitReady(sidecar, `http://${admin}/ready`);
          rows.push([`${app.instance} (app)`, String(appProcess.child.pid), `http 127.0.0.1:${appPort}`, '']);
          rows.push([`${app.instance} sidecar`, String(sidecar.child.pid), `inbound ${inbound}  outbound ${outbound}`, `http://${admin}/ready  /config_dump  /clusters`]);
          if (app.service === 'frontend') [frontendInbound, frontendOutbound] = [inbound, outbound];
        }
        for (const process of processes) {
          void process.exit.then((why) => {
            if (stopping) return;
            console.error(`\n${process.name} stopped unexpectedly (${why}); last lines of ${process.logFile}:\n${lastLines(process.logFile)}`);
            void stopAll().then(() => globalThis.process.exit(1));
          });
        }
        console.log(formatTable(['COMPONENT', 'PID', 'LISTENERS', 'ADMIN'], rows));
        console.log(`\nlogs: ${logDir}`);
        console.log(`try:  curl -H 'Host: backend' http://${frontendOutbound}/hello`);
        console.log(`      curl http://${frontendInbound}/`);
        console.log(`      node ${cli} status --control-plane-admin ${cpAdmin}`);
        console.log(`traffic: ${options.rate} req/s to the frontend through its sidecar; Ctrl-C stops everything\n`);

        const traffic = startTraffic(frontendInbound, options.rate, (line) => console.log(line));
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
          if (options.duration) setTimeout(resolve, options.duration * 1000);
        });
        const summary = await traffic.stop();
        console.log(formatSummary(summary));
        await stopAll();
        console.log('stopped');
        if (options.duration && summary.ok === 0) {
          console.error(`no request succeeded in ${options.duration} s${summary.lastError ? `: ${summary.lastError}` : ''}`);
          process.exitCode = 1;
        }
      } catch (error) {
        await stopAll();
        throw error;
      }
    });
}
