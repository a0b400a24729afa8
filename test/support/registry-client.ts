// The Registry gRPC API as tests use it: register instances directly (apps without a sidecar).
import * as grpc from '@grpc/grpc-js';
import type { RegisterRequest } from '../../proto/gen/pilotfish/v1/RegisterRequest.js';
import type { RegisterResponse__Output } from '../../proto/gen/pilotfish/v1/RegisterResponse.js';
import type { RegistryClient } from '../../proto/gen/pilotfish/v1/Registry.js';
import { pilotfish } from '../../proto/pilotfish.js';

export function registryClient(address: string): RegistryClient {
  return new pilotfish.Registry(address, grpc.credentials.createInsecure());
}

export function register(client: RegistryClient, request: RegisterRequest): Promise<RegisterResponse__Output> {
  return new Promise((resolve, reject) =>
    client.Register(request, (error, response) =>
      error ? reject(error) : resolve(response as RegisterResponse__Output),
    ),
  );
}

export function deregister(client: RegistryClient, leaseId: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.Deregister({ lease_id: leaseId }, (error) => (error ? reject(error) : resolve())),
  );
}
