// The demo's child processes: started with their stderr in a log file each, stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DemoProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Why it exited, once it has. */
  exit: Promise<string>;
}

export function startProcess(name: string, script: string, args: string[], logDir: string, env: NodeJS.ProcessEnv = {}): DemoProcess {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  const exit = once(child, 'exit').then(([code, signal]) => (signal ? `signal ${signal}` : `exit code ${code}`));
  return { name, child, logFile, exit };
}

export function lastLines(file: string, count = 10): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '(no log)';
  }
}

/** SIGTERM, then SIGKILL after `graceMs` if it has not exited. */
export async function stopProcess(process: DemoProcess, graceMs = 5000): Promise<void> {
  const { child } = process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await process.exit;
  clearTimeout(timer);
}

/** Polls `url` until it answers 200; fails naming `name` with its last log lines. */
export async function waitReady(process: DemoProcess, url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.child.exitCode !== null) break;
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${process.name} is not ready (${url}); last lines of ${process.logFile}:\n${lastLines(process.logFile)}`);
}
