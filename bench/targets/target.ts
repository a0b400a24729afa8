// A benchmark target: somewhere the load generator sends requests, and the processes whose CPU
// and memory are the target's cost.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Target {
  name: string;
  /** host:port the load generator connects to. */
  address: string;
  /** The Host header to send (the mesh routes by it). */
  host: string;
  /** The proxy processes measured (none for the direct target). */
  proxyPids(): number[];
  /** The sidecars' admin listeners (host:port), whose span counters the report shows; mesh targets only. */
  admins?(): string[];
  stop(): Promise<void>;
}

/** Spawns a process that prints `{"listening": PORT}` on stdout once it serves; returns the port. */
export async function spawnListening(command: string, args: string[], what: string): Promise<[ChildProcess, number]> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /\{"listening":(\d+)\}/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before listening`)));
  });
  return [child, port];
}

/** SIGTERM and wait (SIGKILL after 5 s). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Polls until a TCP connect to address succeeds. */
export async function waitListening(address: string, what: string, timeoutMs = 10_000): Promise<void> {
  const { connect } = await import('node:net');
  const [host, port] = address.split(':') as [string, string];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), host, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} not listening on ${address} after ${timeoutMs} ms`);
}
