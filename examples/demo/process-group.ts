// The demo's child processes: node programs started with their output in one log file each,
// watched for unexpected exits, and stopped by PID in order — sidecars, then apps, then the
// control plane — so sidecars deregister while the control plane can still tell their peers.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logTail } from './log-tail.js';

export type Role = 'sidecar' | 'app' | 'control-plane';

const STOP_ORDER: readonly Role[] = ['sidecar', 'app', 'control-plane'];

export interface Child {
  name: string;
  role: Role;
  /** Undefined only if the spawn failed; `exited` then says why. */
  pid: number | undefined;
  logFile: string;
  process: ChildProcess;
  /** How it ended ('exit code 1', 'signal SIGKILL'), once it has. */
  exited: Promise<string>;
}

export class ProcessGroup {
  readonly children: Child[] = [];
  /** Settles with an error naming the first child that exits before stop(), with its last log lines. */
  readonly unexpectedExit: Promise<Error>;
  #reportUnexpectedExit: (error: Error) => void = () => {};
  #isStopping = false;

  constructor(readonly logDir: string) {
    this.unexpectedExit = new Promise((resolve) => (this.#reportUnexpectedExit = resolve));
    // If the demo ends without stop() (an uncaught error, a second Ctrl-C), no child outlives it.
    process.on('exit', this.#killAll);
  }

  start(name: string, role: Role, script: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
    if (this.#isStopping) throw new Error(`not starting ${name}: the demo is stopping`);
    const logFile = join(this.logDir, `${name.replaceAll(' ', '-')}.log`);
    const fd = openSync(logFile, 'a');
    // Own process group: a terminal Ctrl-C reaches only the demo, which then stops children in order.
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...env },
      detached: true,
    });
    closeSync(fd);
    const exited = once(child, 'exit').then(
      ([code, signal]) => (signal ? `signal ${signal}` : `exit code ${code}`),
      (error: Error) => `failed to start: ${error.message}`,
    );
    void exited.then((status) => {
      if (!this.#isStopping)
        this.#reportUnexpectedExit(
          new Error(`${name} exited unexpectedly (${status}); last lines of ${logFile}:\n${logTail(logFile)}`),
        );
    });
    const started: Child = { name, role, pid: child.pid, logFile, process: child, exited };
    this.children.push(started);
    return started;
  }

  /** Polls `probe` until it is true; fails naming the child, what it is not, and its last log lines. */
  async waitUntil(child: Child, what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.#isStopping && !hasExited(child.process)) {
      if (await probe()) return;
      await sleep(100);
    }
    const why = hasExited(child.process)
      ? `: it exited (${await child.exited})`
      : this.#isStopping
        ? ': the demo is stopping'
        : ` after ${timeoutMs / 1000} s`;
    throw new Error(`${child.name} is not ${what}${why}; last lines of ${child.logFile}:\n${logTail(child.logFile)}`);
  }

  /** SIGTERM to each child by PID, role by role; SIGKILL to any still running after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.#isStopping = true;
    for (const role of STOP_ORDER) {
      await Promise.all(this.children.filter((child) => child.role === role).map((child) => stopChild(child, graceMs)));
    }
    process.off('exit', this.#killAll);
  }

  readonly #killAll = () => {
    for (const child of this.children) if (!hasExited(child.process)) child.process.kill('SIGKILL');
  };
}

async function stopChild(child: Child, graceMs: number): Promise<void> {
  if (hasExited(child.process)) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
