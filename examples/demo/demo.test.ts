// `pilotfish demo` (what `npm start` runs) starts the whole mesh, carries traffic through both
// backend instances, and leaves no process behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../proto/paths.js';

describe('pilotfish demo', () => {
  it('runs a control plane, three sidecars and their apps, carries traffic to both backends, and stops cleanly', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [join(packageRoot, 'dist', 'cli', 'main.js'), 'demo', '--duration', '6', '--rate', '10'], { timeout: 60_000 }, (error, out, err) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: out, stderr: err }),
      );
    });
    assert.equal(code, 0, `demo failed:\n${stdout}\n${stderr}`);
    for (const component of ['control-plane', 'backend-1 sidecar', 'backend-2 sidecar', 'frontend-1 sidecar']) {
      assert.match(stdout, new RegExp(`^${component}\\s+\\d+\\s`, 'm'), `${component} is listed with its PID`);
    }
    assert.match(stdout, /http:\/\/127\.0\.0\.1:\d+\/debug\/registry/);
    assert.equal((stdout.match(/http:\/\/127\.0\.0\.1:\d+\/ready {2}\/config_dump {2}\/clusters/g) ?? []).length, 3);
    const summaries = [...stdout.matchAll(/traffic: (\d+) ok, (\d+) failed; answered by backend-1=(\d+) backend-2=(\d+)/g)];
    const last = summaries.at(-1);
    assert.ok(last, `a traffic summary names both backends:\n${stdout}`);
    assert.ok(Number(last[1]) > 20, 'requests succeeded');
    assert.equal(last[2], '0', 'no request failed');
    assert.ok(Number(last[3]) > 0 && Number(last[4]) > 0, 'both backend instances answered');
    assert.match(stdout, /^stopped$/m);
    const pids = [...stdout.matchAll(/^\S.*?\s{2,}(\d+)\s{2,}/gm)].map((match) => Number(match[1]));
    assert.equal(pids.length, 7);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `process ${pid} is gone`);
  });
});
