// Reads and writes the nat table with iptables-save / iptables-restore (ip6tables-* for IPv6): each
// change is one restore, which the kernel applies whole or not at all.
import { execFile } from 'node:child_process';
import type { IpFamily } from './iptables-rules.js';

function run(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      const reason = missing
        ? 'not found: install iptables (Debian: apt-get install iptables)'
        : `failed: ${stderr.trim() || error.message}`;
      reject(new Error(`${command} ${reason}`, { cause: error }));
    });
    // A tool that exits without reading its input reports through its exit status, not EPIPE.
    child.stdin?.on('error', () => undefined);
    if (input === undefined) child.stdin?.end();
    else child.stdin?.end(input);
  });
}

const tools: Record<IpFamily, { save: string; restore: string }> = {
  4: { save: 'iptables-save', restore: 'iptables-restore' },
  6: { save: 'ip6tables-save', restore: 'ip6tables-restore' },
};

export function saveNat(family: IpFamily): Promise<string> {
  return run(tools[family].save, ['-t', 'nat']);
}

/** Applies `text`; with noflush, tables it names keep what it does not mention (without, they are replaced). */
export async function restoreNat(family: IpFamily, text: string, { noflush }: { noflush: boolean }): Promise<void> {
  await run(tools[family].restore, noflush ? ['--noflush'] : [], text);
}
