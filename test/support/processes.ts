// Starts the real `pilotfish` processes for cross-component tests, on 127.0.0.1 with ports the OS
// picks (each process logs the addresses it bound), and stops them by PID.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { packageRoot } from '../../proto/paths.js';

export const cliPath = join(packageRoot, 'dist', 'cli', 'main.js');

export interface RunningProcess {
  child: ChildProcess;
  pid: number;
  /** Everything the process wrote to stderr so far (its JSON logs). */
  logs(): string;
  /** Everything the process wrote to stdout so far (a sidecar's access log). */
  output(): string;
  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** Spawns `command ARGS`, collecting what it writes; stop() ends it by its PID. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): RunningProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let logs = '';
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    logs += chunk;
  });
  return {
    child,
    pid: child.pid as number,
    logs: () => logs,
    output: () => output,
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
}

/**
 * Spawns `pilotfish ARGS` (with `nodeArgs` for node itself, e.g. --cpu-prof, and `env` added to
 * this process's environment) and waits for the log line whose msg is `readyMessage`; returns it parsed.
 */
export async function startCli(
  args: string[],
  readyMessage: string,
  nodeArgs: string[] = [],
  timeoutMs = 15_000,
  env: Record<string, string> = {},
): Promise<[RunningProcess, Record<string, unknown>]> {
  const running = startProcess(process.execPath, [...nodeArgs, cliPath, ...args], {
    ...process.env,
    PILOTFISH_LOG_LEVEL: process.env.PILOTFISH_LOG_LEVEL ?? 'info',
    ...env,
  });
  const { child } = running;
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pilotfish ${args[0]} not ready after ${timeoutMs} ms:\n${running.logs()}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (chunk: string) => {
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
      reject(new Error(`pilotfish ${args[0]} exited with ${code} before it was ready:\n${running.logs()}`));
    });
  });
  try {
    return [running, await ready];
  } catch (error) {
    await running.stop('SIGKILL');
    throw error;
  }
}

/** Runs `pilotfish ARGS` to its end: exit code and output. */
export function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [cliPath, ...args], { timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

export interface ControlPlaneProcess extends RunningProcess {
  grpc: string;
  admin: string;
}

/** Starts `pilotfish control-plane` with `extraArgs`, and `env` added to its environment. */
export async function startControlPlane(
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<ControlPlaneProcess> {
  const [running, record] = await startCli(
    [
      'control-plane',
      '--grpc-listen',
      '127.0.0.1:0',
      '--admin-listen',
      '127.0.0.1:0',
      '--debounce-ms',
      '20',
      ...extraArgs,
    ],
    'control plane listening',
    [],
    15_000,
    env,
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
  appProtocol?: 'http' | 'http2' | 'grpc' | 'tcp';
  instanceId?: string;
  namespace?: string;
  labels?: string;
  leaseTtl?: number;
  nodeArgs?: string[];
  /** Added to the environment, e.g. OTEL_EXPORTER_OTLP_ENDPOINT. */
  env?: Record<string, string>;
}

/** Starts a sidecar and waits until its admin /ready answers 200 (first config applied). */
export async function startSidecar(options: SidecarOptions): Promise<SidecarProcess> {
  const args = [
    'sidecar',
    '--service',
    options.service,
    '--app-port',
    String(options.appPort),
    '--control-plane',
    options.controlPlane,
  ];
  args.push('--inbound-listen', '127.0.0.1:0', '--outbound-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0');
  if (options.appProtocol) args.push('--app-protocol', options.appProtocol);
  if (options.instanceId) args.push('--instance-id', options.instanceId);
  if (options.namespace) args.push('--namespace', options.namespace);
  if (options.labels) args.push('--labels', options.labels);
  if (options.leaseTtl) args.push('--lease-ttl', String(options.leaseTtl));
  const [running, record] = await startCli(args, 'sidecar listening', options.nodeArgs, undefined, options.env);
  const sidecar = Object.assign(running, {
    inbound: String(record.inbound),
    outbound: String(record.outbound),
    admin: String(record.admin),
  });
  await waitFor(
    async () => (await fetch(`http://${sidecar.admin}/ready`)).status === 200,
    `sidecar ${options.service} /ready`,
  );
  return sidecar;
}

export interface GatewayProcess extends RunningProcess {
  admin: string;
  /** Where each server of the Gateway is bound, by listener name, once /ready. */
  listeners: Map<string, string>;
}

/** Starts `pilotfish gateway` for Gateway `gateway` (namespace/name), its first server on an OS-picked port; waits for /ready. */
export async function startGateway(gateway: string, controlPlane: string): Promise<GatewayProcess> {
  const args = [
    'gateway',
    '--gateway',
    gateway,
    '--listen',
    '127.0.0.1:0',
    '--admin-listen',
    '127.0.0.1:0',
    '--control-plane',
    controlPlane,
  ];
  const [running, record] = await startCli(args, 'gateway started');
  const admin = String(record.admin);
  await waitFor(async () => (await fetch(`http://${admin}/ready`)).status === 200, `gateway ${gateway} /ready`);
  const { listeners } = (await (await fetch(`http://${admin}/listeners`)).json()) as {
    listeners: Array<{ name: string; address: string }>;
  };
  return Object.assign(running, {
    admin,
    listeners: new Map(listeners.map((listener) => [listener.name, listener.address])),
  });
}

/** Polls `check` every 25 ms until it is true; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<number> {
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
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`,
  );
}
