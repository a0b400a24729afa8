// Runs every compiled test file (dist/**/*.test.js) with node's test runner. Node 20 takes no globs
// on the command line, so the files are listed here; extra arguments pass through (e.g. a filter).
//
// The files that start real processes (test/, bench/, examples/) run one process each, three at a
// time: they wait on the processes they start and on timers about a fifth of their time, so on two
// cores a third file keeps both busy (5.3 min against 6.2 with two at a time). The unit tests
// beside the code run together in one more process, as Node.js 22's
// --experimental-test-isolation=none would: each of their files costs 0.2–0.6 s of CPU to start as
// a process of its own (113 files: 73 s of CPU that way, 26 s in one process). Their tests run one
// after another there, and each file undoes what it started (servers, mocked timers) in its own
// hooks, so their order does not matter.
//
// Bounds keep a hang from stalling CI: a test file fails, named, after 8 minutes (--test-timeout
// bounds each file's process; the longest takes about 2), and the whole run is killed, with
// everything it started, after PILOTFISH_TEST_MINUTES (default 20; the suite takes about 5.5 on an
// idle machine, README.md), printing the test files still running. There is no --test-force-exit:
// on Node.js 22 and 24 it ends a file's process while its last results are still on their way to
// this runner (nodejs/node#64833), so tests ran, even failed, and went unreported. A file whose
// process outlives its tests holds something it should have closed: that is its bug to fix.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const dist = join(root, 'dist');

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.js') ? [relative(root, path)] : [];
  });
}

const startsProcesses = (file) => /^dist\/(test|bench|examples)\//.test(file);
const only = process.argv.slice(2);
const files = findTests(dist).filter((file) => only.length === 0 || only.some((part) => file.includes(part)));
if (files.length === 0) {
  console.error(`no test files found under ${dist}${only.length ? ` matching ${only.join(', ')}` : ''}`);
  process.exit(1);
}
const unitFiles = files.filter((file) => !startsProcesses(file));
const entryDir = mkdtempSync(join(tmpdir(), 'pilotfish-unit-tests-'));
const unitEntry = join(entryDir, 'unit-tests.test.mjs');
writeFileSync(
  unitEntry,
  unitFiles.map((file) => `import ${JSON.stringify(pathToFileURL(join(root, file)).href)};\n`).join(''),
);
process.once('exit', () => rmSync(entryDir, { recursive: true, force: true }));
// The longest first, so no worker idles at the end waiting for another's long file: the
// benchmark smoke test (about a minute), the unit tests' process (about half a minute), then the rest.
const isBench = (file) => file.startsWith('dist/bench/');
const runnable = [
  ...files.filter(isBench),
  ...(unitFiles.length > 0 ? [unitEntry] : []),
  ...files.filter((file) => startsProcesses(file) && !isBench(file)),
];
const minutes = Number(process.env.PILOTFISH_TEST_MINUTES ?? 20);
const runner = spawn(process.execPath, ['--test', '--test-concurrency=3', '--test-timeout=480000', ...runnable], {
  stdio: 'inherit',
  cwd: root,
  detached: true,
});
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
