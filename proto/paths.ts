// Where the .proto files live at run time: ours in proto/, Envoy's in the pinned @grpc/grpc-js-xds.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The package root (this file runs from dist/proto/). */
export const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

export const pilotfishProtoDir = join(packageRoot, 'proto');

const xdsDeps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

export const envoyIncludeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(xdsDeps, d));
