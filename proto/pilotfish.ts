// The mesh's own gRPC API (pilotfish.v1: Registry, Config, Identity), loaded with proto-loader; types come from proto/gen.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as ConfigProto } from './gen/config.js';
import type { ProtoGrpcType as IdentityProto } from './gen/identity.js';
import type { ProtoGrpcType as RegistryProto } from './gen/registry.js';
import { pilotfishProtoDir } from './paths.js';

const definition = protoLoader.loadSync(
  ['pilotfish/v1/registry.proto', 'pilotfish/v1/config.proto', 'pilotfish/v1/identity.proto'],
  {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [pilotfishProtoDir],
  },
);

type Package = RegistryProto['pilotfish']['v1'] & ConfigProto['pilotfish']['v1'] & IdentityProto['pilotfish']['v1'];

export const pilotfish = (grpc.loadPackageDefinition(definition) as unknown as { pilotfish: { v1: Package } }).pilotfish
  .v1;
