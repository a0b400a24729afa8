// Starts the real `pilotfish` processes for cross-component tests, on 127.0.0.1 with ports the OS
// picks (each process logs the addresses it bound), and stops them by PID.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { packageRoot } from '../../proto/paths.js';
import { cliEnv, rememberSecurity, securityOf, testStateDir, withProxyCredentials } from './mesh-security.js';

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

/**
 * The prefix that makes a started process die with the test file's process, however that ends (a
 * test file killed by its timeout leaves no control plane or sidecar behind): Linux's parent-death
 * signal, which util-linux's setpriv sets before it execs the command (same PID). Where setpriv
 * cannot, processes are started as they are.
 */
const DIE_WITH_PARENT = ((): string[] => {
  try {
    return execFileSync('setpriv', ['--help'], { encoding: 'utf8' }).includes('--pdeathsig')
      ? ['setpriv', '--pdeathsig', 'SIGKILL', '--']
      : [];
  } catch {
    return [];
  }
})();

/** Spawns `command ARGS`, collecting what it writes; stop() ends it by its PID; it dies with this process. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): RunningProcess {
  const [executable, ...argv] = [...DIE_WITH_PARENT, command, ...args] as [string, ...string[]];
  const child = spawn(executable, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let logs = '';
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    logs += chunk;
  });
  // A process that fails unasked (a crash, an exit with an error) says so in the test file's output,
  // with its last log lines: a later failure such as a refused connection then has its cause beside it.
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (stopping || code === 0) return;
    process.stderr.write(
      `${command} ${args[0] ?? ''} (pid ${child.pid}) exited unasked with ${signal ?? `code ${code}`}; its last logs:\n${logs.slice(-2000)}\n`,
    );
  });
  return {
    child,
    pid: child.pid as number,
    logs: () => logs,
    output: () => output,
    async stop(signal = 'SIGTERM', graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      stopping = true;
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
  cliArgs: string[],
  readyMessage: string,
  nodeArgs: string[] = [],
  // A bound on failure only: seven suites sharing two cores have taken 15 s to start a process.
  timeoutMs = 60_000,
  env: Record<string, string> = {},
): Promise<[RunningProcess, Record<string, unknown>]> {
  // A proxy of an authenticated control plane gets its own token (see mesh-security.ts).
  const args = withProxyCredentials(cliArgs);
  const running = startProcess(process.execPath, [...nodeArgs, cliPath, ...args], {
    ...process.env,
    PILOTFISH_LOG_LEVEL: process.env.PILOTFISH_LOG_LEVEL ?? 'info',
    ...cliEnv(args),
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

/** Runs `pilotfish ARGS` to its end, with `env` added to its environment: exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [cliPath, ...args],
      { timeout: 60_000, env: { ...process.env, ...cliEnv(args), ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

export interface ControlPlaneProcess extends RunningProcess {
  grpc: string;
  admin: string;
  /** Its state dir (unless started plaintext) and the trust bundle its TLS certificate is checked against. */
  stateDir?: string;
  caFile?: string;
}

/**
 * Starts `pilotfish control-plane` with `extraArgs`, and `env` added to its environment. It gets a
 * state dir of its own (TLS, authenticated calls) unless `extraArgs` name one, it restarts at the
 * address of one before (it keeps that one's), or `plaintext` is asked for (a client that cannot
 * authenticate, such as grpc-js-xds with insecure channel credentials).
 */
export async function startControlPlane(
  extraArgs: string[] = [],
  env: Record<string, string> = {},
  { plaintext = false }: { plaintext?: boolean } = {},
): Promise<ControlPlaneProcess> {
  const named = (flag: string) => (extraArgs.includes(flag) ? extraArgs[extraArgs.indexOf(flag) + 1] : undefined);
  const listen = named('--grpc-listen');
  const stateDir = plaintext
    ? undefined
    : (named('--state-dir') ??
      (listen && !listen.endsWith(':0') ? securityOf(listen)?.stateDir : undefined) ??
      testStateDir());
  const stateArgs = stateDir !== undefined && named('--state-dir') === undefined ? ['--state-dir', stateDir] : [];
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
      ...stateArgs,
    ],
    'control plane listening',
    [],
    60_000,
    env,
  );
  const grpc = String(record.grpc);
  return Object.assign(running, {
    grpc,
    admin: String(record.admin),
    stateDir,
    caFile: stateDir === undefined ? undefined : rememberSecurity(grpc, stateDir).caFile,
  });
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
  /** More options for `pilotfish sidecar`, e.g. --config-cache DIR. */
  extraArgs?: string[];
  /** A bootstrap token file (--token-file) and the control plane's trust bundle (--ca-file). */
  tokenFile?: string;
  caFile?: string;
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
  args.push(...(options.extraArgs ?? []));
  if (options.tokenFile) args.push('--token-file', options.tokenFile);
  if (options.caFile) args.push('--ca-file', options.caFile);
  const [running, record] = await startCli(args, 'sidecar listening', options.nodeArgs, undefined, options.env);
  const sidecar = Object.assign(running, {
    inbound: String(record.inbound),
    outbound: String(record.outbound),
    admin: String(record.admin),
  });
  await untilReady(running, sidecar.admin, `sidecar ${options.service}`);
  return sidecar;
}

/**
 * Waits until a proxy's admin /ready answers 200: its certificate, then its first config over TLS,
 * which on a loaded machine has taken over 10 s (a gateway on a busy machine: over 30). One that
 * never gets ready is stopped, not left running after the test, and the error ends with what it
 * logged meanwhile, which says why: no certificate, no config, no control plane.
 */
async function untilReady(running: RunningProcess, admin: string, what: string): Promise<void> {
  await waitFor(async () => (await fetch(`http://${admin}/ready`)).status === 200, `${what} /ready`, 60_000).catch(
    async (error: unknown) => {
      await running.stop('SIGKILL');
      const lastLines = running.logs().trimEnd().split('\n').slice(-30).join('\n');
      throw new Error(`${(error as Error).message}; its last log lines:\n${lastLines}`, { cause: error });
    },
  );
}

export interface GatewayProcess extends RunningProcess {
  admin: string;
  /** Where each server of the Gateway is bound, by listener name, once /ready. */
  listeners: Map<string, string>;
}

/**
 * Starts `pilotfish gateway` for Gateway `gateway` (namespace/name), its first server on an OS-picked port; waits for
 * /ready, or with `untilReady: false` only for its start (its Gateway document does not exist yet).
 */
export async function startGateway(
  gateway: string,
  controlPlane: string,
  { untilReady: isReadyAwaited = true }: { untilReady?: boolean } = {},
): Promise<GatewayProcess> {
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
  if (isReadyAwaited) await untilReady(running, admin, `gateway ${gateway}`);
  const { listeners } = (await (await fetch(`http://${admin}/listeners`)).json()) as {
    listeners: Array<{ name: string; address: string }>;
  };
  return Object.assign(running, {
    admin,
    listeners: new Map(listeners.map((listener) => [listener.name, listener.address])),
  });
}

/**
 * Polls `check` every 25 ms until it is true; fails naming `what` after `timeoutMs`, also when a
 * check itself never settles (a connection that never closes fails the test, not the whole file).
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now();
  let lastError: unknown;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), timeoutMs)));
  try {
    while (Date.now() - started < timeoutMs) {
      try {
        const outcome = await Promise.race([check(), expired]);
        if (outcome === 'expired') lastError ??= new Error('a check was still running');
        else if (outcome) return Date.now() - started;
      } catch (error) {
        lastError = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`,
  );
}
