// Starts the real `pilotfish` processes for cross-component tests, on 127.0.0.1 with ports the OS
// picks (each process logs the addresses it bound), and stops them by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { packageRoot } from '../../proto/paths.js';

export const cliPath = join(packageRoot, 'dist', 'cli', 'main.js');

export interface RunningProcess {
  child: ChildProcess;
  pid: number;
  /** Everything the process wrote to stderr so far (its JSON logs). */
  logs(): string;
  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/**
 * Spawns `pilotfish ARGS` (with `nodeArgs` for node itself, e.g. --cpu-prof) and waits for the log
 * line whose msg is `readyMessage`; returns it parsed.
 */
export async function startCli(args: string[], readyMessage: string, nodeArgs: string[] = [], timeoutMs = 15_000): Promise<[RunningProcess, Record<string, unknown>]> {
  const child = spawn(process.execPath, [...nodeArgs, cliPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PILOTFISH_LOG_LEVEL: process.env.PILOTFISH_LOG_LEVEL ?? 'info' },
  });
  let logs = '';
  const running: RunningProcess = {
    child,
    pid: child.pid as number,
    logs: () => logs,
    async stop(signal = 'SIGTERM', graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      return code;
    },
  };
  child.stdout?.resume();
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pilotfish ${args[0]} not ready after ${timeoutMs} ms:\n${logs}`)), timeoutMs);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      logs += chunk;
      for (const line of chunk.split('\n')) {
        if (!line.includes(readyMessage)) continue;
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          if (record.msg !== readyMessage) continue;
          clearTimeout(timer);
          resolve(record);
        } catch {
          continue;
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pilotfish ${args[0]} exited with ${code} before it was ready:\n${logs}`));
    });
  });
  try {
    return [running, await ready];
  } catch (error) {
    await running.stop('SIGKILL');
    throw error;
  }
}

export interface ControlPlaneProcess extends RunningProcess {
  grpc: string;
  admin: string;
}

export async function startControlPlane(extraArgs: string[] = []): Promise<ControlPlaneProcess> {
  const [running, record] = await startCli(
    ['control-plane', '--grpc-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--debounce-ms', '20', ...extraArgs],
    'control plane listening',
  );
  return Object.assign(running, { grpc: String(record.grpc), admin: String(record.admin) });
}

export interface SidecarProcess extends RunningProcess {
  inbound: string;
  outbound: string;
  admin: string;
}

export interface SidecarOptions {
  service: string;
  appPort: number;
  controlPlane: string;
  /** --app-protocol: http (default), http2, grpc, tcp. */
  appProtocol?: string;
  instanceId?: string;
  namespace?: string;
  labels?: string;
  leaseTtl?: number;
  nodeArgs?: string[];
}

/** Starts a sidecar and waits until its admin /ready answers 200 (first config applied). */
export async function startSidecar(options: SidecarOptions): Promise<SidecarProcess> {
  const args = ['sidecar', '--service', options.service, '--app-port', String(options.appPort), '--control-plane', options.controlPlane];
  args.push('--inbound-listen', '127.0.0.1:0', '--outbound-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0');
  if (options.appProtocol) args.push('--app-protocol', options.appProtocol);
  if (options.instanceId) args.push('--instance-id', options.instanceId);
  if (options.namespace) args.push('--namespace', options.namespace);
  if (options.labels) args.push('--labels', options.labels);
  if (options.leaseTtl) args.push('--lease-ttl', String(options.leaseTtl));
  const [running, record] = await startCli(args, 'sidecar listening', options.nodeArgs);
  const sidecar = Object.assign(running, {
    inbound: String(record.inbound),
    outbound: String(record.outbound),
    admin: String(record.admin),
  });
  await waitFor(async () => (await fetch(`http://${sidecar.admin}/ready`)).status === 200, `sidecar ${options.service} /ready`);
  return sidecar;
}

/** Polls `check` every 25 ms until it is true; fails naming `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  let lastError: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      if (await check()) return Date.now() - started;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}
