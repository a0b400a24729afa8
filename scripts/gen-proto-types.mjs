// Generates TypeScript types for our protos and the Envoy xDS protos we speak, with
// proto-loader-gen-types (no protoc). Output goes to proto/gen/ (not committed).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { rmSync } from 'node:fs';

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), '..');
const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const gen = require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js');
const out = join(root, 'proto', 'gen');

const common = [
  '--keepCase',
  '--longs=String',
  '--enums=String',
  '--oneofs',
  '--json',
  '--grpcLib=@grpc/grpc-js',
  '--importFileExtension=.js',
];

function run(includeDirs, files) {
  execFileSync(process.execPath, [gen, ...common, ...includeDirs.flatMap((d) => ['-I', d]), '-O', out, ...files], {
    stdio: 'inherit',
  });
}

rmSync(out, { recursive: true, force: true });
run(
  [join(root, 'proto')],
  [
    'pilotfish/v1/registry.proto',
    'pilotfish/v1/service_config.proto',
    'pilotfish/v1/config.proto',
    'pilotfish/v1/identity.proto',
  ],
);
run(
  ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(deps, d)),
  [
    'envoy/service/discovery/v3/ads.proto',
    'envoy/config/listener/v3/listener.proto',
    'envoy/config/route/v3/route.proto',
    'envoy/config/cluster/v3/cluster.proto',
    'envoy/config/endpoint/v3/endpoint.proto',
    'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
    'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
    'envoy/extensions/filters/network/connection_limit/v3/connection_limit.proto',
    'envoy/extensions/filters/http/router/v3/router.proto',
    'envoy/extensions/filters/http/fault/v3/fault.proto',
    'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
    'envoy/extensions/filters/http/rbac/v3/rbac.proto',
    'envoy/extensions/filters/network/rbac/v3/rbac.proto',
    'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
    'envoy/extensions/access_loggers/stream/v3/stream.proto',
    'envoy/extensions/transport_sockets/tls/v3/tls.proto',
    'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  ],
);
