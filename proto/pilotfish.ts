// The mesh's own gRPC API (pilotfish.v1: Registry, Config, Identity): service definitions for grpc-js
// built from the trimmed descriptor `npm run gen` writes, as proto-loader would build them
// (keepCase, longs and enums as strings, defaults, oneofs); types come from proto/gen.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs/light.js';
import type { ProtoGrpcType as ConfigProto } from './gen/config.js';
import type { ProtoGrpcType as IdentityProto } from './gen/identity.js';
import { descriptor } from './gen/pilotfish-descriptor.js';
import type { ProtoGrpcType as RegistryProto } from './gen/registry.js';

type Package = RegistryProto['pilotfish']['v1'] & ConfigProto['pilotfish']['v1'] & IdentityProto['pilotfish']['v1'];
type Services = Pick<Package, 'Registry' | 'Config' | 'Identity'>;

const toObjectOptions: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

function serviceDefinition(service: protobuf.Service): grpc.ServiceDefinition {
  const methods = service.methodsArray.map((method) => {
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    const definition: grpc.MethodDefinition<object, object> = {
      path: `/${service.fullName.slice(1)}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: (message: object) => Buffer.from(request.encode(request.fromObject(message)).finish()),
      requestDeserialize: (bytes: Buffer) => request.toObject(request.decode(bytes), toObjectOptions),
      responseSerialize: (message: object) => Buffer.from(response.encode(response.fromObject(message)).finish()),
      responseDeserialize: (bytes: Buffer) => response.toObject(response.decode(bytes), toObjectOptions),
      // The camelCase alias proto-loader gives each method on a client (register as well as Register).
      originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
    };
    return [method.name, definition] as const;
  });
  return Object.fromEntries(methods);
}

const root = protobuf.Root.fromJSON(descriptor);
root.resolveAll();

function client(name: keyof Services) {
  return grpc.makeGenericClientConstructor(serviceDefinition(root.lookupService(`pilotfish.v1.${name}`)), name);
}

export const pilotfish = {
  Registry: client('Registry'),
  Config: client('Config'),
  Identity: client('Identity'),
} as unknown as Services;
