// Runs a system command to its end (ip, iptables, setpriv in the namespace tests): exit code and output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[]): Promise<CommandResult> {
  return new Promise((resolve) =>
    execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** Runs the command, asserts it succeeded, and gives its stdout. */
export async function check(command: string, args: string[]): Promise<string> {
  const result = await run(command, args);
  assert.equal(result.code, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}
