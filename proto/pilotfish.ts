// The mesh's own gRPC API (pilotfish.v1), loaded with proto-loader; types come from proto/gen.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './gen/registry.js';
import { pilotfishProtoDir } from './paths.js';

const definition = protoLoader.loadSync('pilotfish/v1/registry.proto', {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [pilotfishProtoDir],
});

export const pilotfish = (grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType).pilotfish.v1;
