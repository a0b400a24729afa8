// A process a test starts dies with the test file's process, even one killed by its timeout
// (SIGKILL): no control plane or sidecar is left running as an orphan.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../proto/paths.js';
import { startProcess, waitFor } from './processes.js';

/** Running, not a zombie: an orphan that died is reaped by whoever adopted it, maybe not at once. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('processes a test starts', () => {
  it('die when the test file that started them is killed', async (t) => {
    if (process.platform !== 'linux') return t.skip('parent-death signals are Linux');
    // Stands in for a test file: starts a long-running process, prints its PID, and waits.
    const support = join(packageRoot, 'dist', 'test', 'support', 'processes.js');
    const testFile = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { startProcess } = await import(${JSON.stringify(support)});
         const started = startProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
         console.log(started.pid);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(testFile.stdout.setEncoding('utf8'), 'data')) as [string];
    const pid = Number(line.trim());
    assert.ok(Number.isInteger(pid) && running(pid), `the started process runs (${line})`);
    // Past setpriv's exec: the parent-death signal is set from there on.
    await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('setInterval'), 'the command to run');
    testFile.kill('SIGKILL');
    await waitFor(() => !running(pid), `process ${pid} to end with the test file that started it`);
  });

  it('keep the PID they were started with, which stop() signals', async () => {
    const started = startProcess(process.execPath, ['-e', 'console.log(process.pid); setInterval(() => {}, 1000)']);
    await waitFor(() => started.output().includes('\n'), 'the started process to print its PID');
    assert.equal(Number(started.output().trim()), started.pid);
    assert.equal(await started.stop('SIGTERM'), null);
    assert.equal(running(started.pid), false);
  });
});
