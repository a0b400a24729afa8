// Runs every compiled test file (dist/**/*.test.js) with node's test runner. Node 20 takes no globs
// on the command line, so the files are listed here; extra arguments pass through (e.g. a filter).
//
// Bounds keep a hang from stalling CI: a test file fails, named, after 8 minutes (--test-timeout
// bounds each file's process; the longest takes about 2); --test-force-exit ends a file's process
// once its tests are done even if something still holds the event loop open; and the whole run is
// killed, with everything it started, after PILOTFISH_TEST_MINUTES (default 20; the suite takes
// about 9 on an idle machine, README.md), printing the test files still running.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const dist = join(root, 'dist');

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.js') ? [relative(root, path)] : [];
  });
}

// The files that start real processes (test/, bench/, examples/) take seconds to a minute each; the
// unit tests beside the code, well under one. Running the long ones first, the short ones fill in
// last, so neither worker idles at the end waiting for the other's long file.
const startsProcesses = (file) => /^dist\/(test|bench|examples)\//.test(file);
const only = process.argv.slice(2);
const files = findTests(dist)
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)))
  .sort((a, b) => Number(startsProcesses(b)) - Number(startsProcesses(a)));
if (files.length === 0) {
  console.error(`no test files found under ${dist}${only.length ? ` matching ${only.join(', ')}` : ''}`);
  process.exit(1);
}
const minutes = Number(process.env.PILOTFISH_TEST_MINUTES ?? 20);
const runner = spawn(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-force-exit', '--test-timeout=480000', ...files],
  {
    stdio: 'inherit',
    cwd: root,
    detached: true,
  },
);
const bound = setTimeout(() => {
  console.error(
    `run-tests: the suite ran past ${minutes} min (PILOTFISH_TEST_MINUTES); stopping it and all it started`,
  );
  console.error(execFileSync('ps', ['-o', 'pid,etime,args', '--ppid', String(runner.pid)], { encoding: 'utf8' }));
  process.kill(-runner.pid, 'SIGKILL');
}, minutes * 60_000);
// The runner has its own process group (so the bound can stop all of it): pass on an interrupt.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.kill(-runner.pid, signal));
runner.on('exit', (code, signal) => {
  clearTimeout(bound);
  process.exit(code ?? (signal ? 1 : 0));
});
