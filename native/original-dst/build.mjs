// Install script: compiles the SO_ORIGINAL_DST addon with the node-gyp npm bundles, against the
// headers of the Node that runs it (include/node beside its bin/), so nothing is downloaded.
// Without a compiler the install still succeeds: the sidecar runs, and intercept mode refuses to
// start and says why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = import.meta.dirname ?? dirname(new URL(import.meta.url).pathname);

function unavailable(reason) {
  console.warn(
    `@pilotfish/original-dst: ${reason}. The sidecar runs without it, but not in intercept mode. ` +
      'To build it: a C compiler, make and python3 (Debian: apt-get install build-essential python3), ' +
      'then npm rebuild @pilotfish/original-dst',
  );
  process.exit(0);
}

if (process.platform !== 'linux') unavailable(`SO_ORIGINAL_DST is Linux only (this is ${process.platform})`);

const prefix = dirname(dirname(process.execPath));
const nodedir =
  process.env.npm_config_nodedir ?? (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const nodeGyp =
  process.env.npm_config_node_gyp ??
  join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(nodeGyp)) unavailable(`node-gyp not found (looked for ${nodeGyp})`);

const args = [nodeGyp, 'rebuild', ...(nodedir === undefined ? [] : [`--nodedir=${nodedir}`])];
const result = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
if (result.status !== 0) unavailable(`node-gyp rebuild failed (exit ${result.status ?? result.signal})`);
